// A C peer for the message queue interop tests.
//   msgq_peer send ID         sends the messages below, in order
//   msgq_peer recv ID COUNT   receives COUNT messages (any type, in queue order) and prints
//                             "type=<long> len=<n> body=<text>" for each
// The types include one above 2^32, so a binding that narrows the C long to an int fails.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>

struct message {
    long type;
    char body[8192];
};

static const long types[] = { 3, 1, 0x10000000001L, 2, 7 };

static int send_all(int id)
{
    struct message m;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        m.type = types[i];
        int len = snprintf(m.body, sizeof m.body, "from C #%zu type %ld", i, types[i]);
        while (msgsnd(id, &m, (size_t)len, 0) != 0) {
            if (errno != EINTR) { perror("msgsnd"); return 1; }
        }
    }
    return 0;
}

static int receive(int id, int count)
{
    struct message m;
    for (int i = 0; i < count; i++) {
        ssize_t n;
        while ((n = msgrcv(id, &m, sizeof m.body - 1, 0, 0)) < 0) {
            if (errno != EINTR) { perror("msgrcv"); return 1; }
        }
        m.body[n] = '\0';
        printf("type=%ld len=%zd body=%s\n", m.type, n, m.body);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "send") == 0)
        return send_all(atoi(argv[2]));
    if (argc >= 4 && strcmp(argv[1], "recv") == 0)
        return receive(atoi(argv[2]), atoi(argv[3]));
    fprintf(stderr, "usage: msgq_peer send ID | recv ID COUNT\n");
    return 2;
}
