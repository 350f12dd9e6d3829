namespace SysV.Ipc.Nats;

/// <summary>
/// A NATS subject the bridges publish to or consume from, checked before any connection is made. A
/// publish subject may contain the placeholder <c>{type}</c>, replaced by each message's type
/// (<c>orders.{type}</c> publishes a type-3 message to <c>orders.3</c>) so that NATS consumers can filter by type.
/// </summary>
public static class NatsSubject
{
    /// <summary>The placeholder replaced by the message type in a publish subject.</summary>
    public const string TypePlaceholder = "{type}";

    /// <summary>Checks a subject the out bridge publishes to (tokens separated by dots; no wildcards; <c>{type}</c> allowed as a whole token).</summary>
    /// <param name="subject">The subject or subject template.</param>
    /// <exception cref="ArgumentException">The subject is not valid, with what is wrong and how to fix it.</exception>
    public static void ValidatePublishSubject(string subject) => Validate(subject, allowWildcards: false, allowTypePlaceholder: true);

    /// <summary>Checks a subject the in bridge consumes (a filter: <c>*</c> for one token and <c>&gt;</c> as the last token are allowed).</summary>
    /// <param name="subject">The subject filter.</param>
    /// <exception cref="ArgumentException">The subject is not valid, with what is wrong and how to fix it.</exception>
    public static void ValidateFilterSubject(string subject) => Validate(subject, allowWildcards: true, allowTypePlaceholder: true);

    /// <summary>The subject a message of this type is published to.</summary>
    /// <param name="template">A subject validated by <see cref="ValidatePublishSubject"/>.</param>
    /// <param name="type">The message type.</param>
    /// <returns>The template with <c>{type}</c> replaced by the type in decimal.</returns>
    public static string ForType(string template, long type) =>
        template.Contains(TypePlaceholder, StringComparison.Ordinal)
            ? template.Replace(TypePlaceholder, type.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            : template;

    /// <summary>The filter covering every subject the template can produce (<c>{type}</c> becomes <c>*</c>): what the stream must store.</summary>
    /// <param name="template">A publish subject template.</param>
    /// <returns>The filter subject.</returns>
    public static string Filter(string template) => template.Replace(TypePlaceholder, "*", StringComparison.Ordinal);

    private static void Validate(string subject, bool allowWildcards, bool allowTypePlaceholder)
    {
        ArgumentNullException.ThrowIfNull(subject);
        string Problem(string what) =>
            $"'{subject}' is not a valid NATS subject: {what}. A subject is dot-separated tokens of letters, digits, '-' and '_' (for example orders.eu or orders.{{type}}).";

        if (subject.Length == 0)
        {
            throw new ArgumentException(Problem("it is empty"), nameof(subject));
        }

        string[] tokens = subject.Split('.');
        for (int i = 0; i < tokens.Length; i++)
        {
            string token = tokens[i];
            if (token.Length == 0)
            {
                throw new ArgumentException(Problem("it has an empty token (a leading, trailing or doubled dot)"), nameof(subject));
            }

            if (token == TypePlaceholder)
            {
                if (!allowTypePlaceholder)
                {
                    throw new ArgumentException(Problem("{type} is not allowed here"), nameof(subject));
                }

                continue;
            }

            if (token is "*" or ">")
            {
                if (!allowWildcards)
                {
                    throw new ArgumentException(Problem($"the wildcard '{token}' cannot be published to (use {{type}} to publish each type to its own subject)"), nameof(subject));
                }

                if (token == ">" && i != tokens.Length - 1)
                {
                    throw new ArgumentException(Problem("'>' may only be the last token"), nameof(subject));
                }

                continue;
            }

            foreach (char c in token)
            {
                if (c is ' ' or '\t' or '\r' or '\n' or '*' or '>' or '{' or '}' || char.IsControl(c))
                {
                    string shown = char.IsWhiteSpace(c) || char.IsControl(c) ? $"U+{(int)c:X4}" : c.ToString();
                    throw new ArgumentException(Problem($"the token '{token}' contains '{shown}'"), nameof(subject));
                }
            }
        }
    }
}
