"""The other side of the python sysv_ipc interop tests (tests/SysV.Ipc.Tests/OtherBindings/PythonSysvIpcTests.cs).

Run with Debian's /usr/bin/python3 (package python3-sysv-ipc). Every command prints one line and exits 0,
or lets python's exception end it with exit 1. Objects are never removed here unless the command says so:
the .NET test that asked for them removes them.
"""
import signal
import sys

import sysv_ipc

# No wait in here may outlive a broken test.
signal.alarm(30)

command, args = sys.argv[1], sys.argv[2:]
key = lambda text: int(text, 0)

if command == "ftok":
    print(sysv_ipc.ftok(args[0], int(args[1]), silence_warning=True))
elif command == "mq-echo":
    # Take one message of any type; answer with the body reversed and the type plus one.
    queue = sysv_ipc.MessageQueue(key(args[0]))
    body, message_type = queue.receive(block=True, type=0)
    queue.send(body[::-1], block=True, type=message_type + 1)
    print(f"type={message_type} length={len(body)}")
elif command == "mq-receive":
    queue = sysv_ipc.MessageQueue(key(args[0]))
    body, message_type = queue.receive(block=True, type=0)
    print(f"type={message_type} body={body.decode()}")
elif command == "shm-create":
    memory = sysv_ipc.SharedMemory(key(args[0]), sysv_ipc.IPC_CREX, mode=0o600, size=int(args[1]))
    memory.write(b"from python", offset=100)
    memory.detach()
    print(memory.id)
elif command == "shm-read":
    memory = sysv_ipc.SharedMemory(key(args[0]))
    data = memory.read(int(args[2]), offset=int(args[1]))
    memory.detach()
    print(data.decode())
elif command == "sem-create":
    semaphore = sysv_ipc.Semaphore(key(args[0]), sysv_ipc.IPC_CREX, mode=0o600, initial_value=int(args[1]))
    print(semaphore.id)
elif command == "sem-acquire":
    semaphore = sysv_ipc.Semaphore(key(args[0]))
    print("waiting", flush=True)
    semaphore.acquire(timeout=20)
    print(f"acquired value={semaphore.value}")
else:
    sys.exit(f"unknown command {command}")
