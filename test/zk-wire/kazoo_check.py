"""kazoo (python3-kazoo) against a ZooKeeper-protocol server: basic operations, watches, transactions, a
reconnect across a server restart, and the Lock, Election and Barrier recipes with several clients at once.

Usage: python3 kazoo_check.py PORT | HOST:PORT,HOST:PORT,... (a single server or every member of an ensemble)
Prints one JSON object per check on stdout ({"check": name, ...observations}); the test compares them. When it
prints {"check": "restart-now"} it waits for a line on stdin (the test restarts the server meanwhile).
"""
import json
import sys
import threading
import time

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import BadVersionError, NodeExistsError, NoNodeError, NotEmptyError

HOSTS = sys.argv[1] if ":" in sys.argv[1] else "127.0.0.1:%d" % int(sys.argv[1])


def emit(check, **fields):
    fields["check"] = check
    sys.stdout.write(json.dumps(fields, sort_keys=True) + "\n")
    sys.stdout.flush()


def client(timeout=4.0):
    c = KazooClient(hosts=HOSTS, timeout=timeout, connection_retry={"max_tries": -1, "delay": 0.05, "max_delay": 0.2})
    c.start(timeout=10)
    return c


def wait_for(predicate, seconds=5.0):
    end = time.time() + seconds
    while not predicate():
        if time.time() > end:
            return False
        time.sleep(0.02)
    return True


def basics():
    c = client()
    out = {}
    out["negotiated"] = c._session_timeout
    out["root"] = sorted(c.get_children("/"))
    out["create"] = c.create("/k", b"v0")
    out["ephemeral"] = c.create("/k/e", b"", ephemeral=True)
    out["sequence"] = c.create("/k/s-", b"", sequence=True)
    out["ephemeral_sequence"] = c.create("/k/es-", b"", ephemeral=True, sequence=True)
    out["makepath"] = c.create("/k/deep/er/path", b"d", makepath=True)
    try:
        c.create("/k", b"")
        out["exists_error"] = None
    except NodeExistsError:
        out["exists_error"] = "NodeExistsError"
    data, stat = c.get("/k")
    out["get"] = [data.decode(), stat.version, stat.numChildren]
    out["set"] = c.set("/k", b"v1", version=0).version
    try:
        c.set("/k", b"v2", version=0)
        out["bad_version"] = None
    except BadVersionError:
        out["bad_version"] = "BadVersionError"
    try:
        c.delete("/k")
        out["not_empty"] = None
    except NotEmptyError:
        out["not_empty"] = "NotEmptyError"
    try:
        c.get("/nope")
        out["no_node"] = None
    except NoNodeError:
        out["no_node"] = "NoNodeError"
    out["children"] = sorted(c.get_children("/k"))
    out["ephemeral_owner_is_session"] = c.exists("/k/e").ephemeralOwner == c.client_id[0]
    out["acl"] = [[a.perms, a.id.scheme, a.id.id] for a in c.get_acls("/k")[0]]
    t = c.transaction()
    t.create("/k/t1", b"a")
    t.set_data("/k", b"tx", version=1)
    t.check("/k", 2)
    results = t.commit()
    out["transaction"] = [r if isinstance(r, (str, bool)) else type(r).__name__ for r in results]
    t = c.transaction()
    t.create("/k/t2", b"")
    t.delete("/k/missing")
    failed = t.commit()
    out["failed_transaction"] = [type(r).__name__ for r in failed]
    out["t2_exists"] = c.exists("/k/t2") is not None
    emit("basics", **out)
    c.stop()
    c.close()


def watches():
    a = client()
    b = client()
    a.create("/w", b"0")
    events = []
    lock = threading.Lock()

    def record(event):
        with lock:
            events.append([event.type, event.path])

    a.get("/w", watch=record)
    a.get_children("/w", watch=record)
    a.exists("/w/new", watch=record)
    b.set("/w", b"1")
    b.create("/w/new")
    wait_for(lambda: len(events) >= 3)
    b.set("/w", b"2")  # the data watch was one-shot
    time.sleep(0.2)
    with lock:
        seen = sorted(events)
    # The ephemeral of a closed session disappears for everyone.
    b.create("/w/eph", ephemeral=True)
    # a may be connected to another member of an ensemble, which can apply b's create a moment later: ZooKeeper
    # orders one client's view only, so a syncs first (as ZooKeeper's docs tell a client that needs another's write).
    a.sync("/w")
    gone = []
    a.exists("/w/eph", watch=lambda e: gone.append([e.type, e.path]))
    b.stop()
    b.close()
    wait_for(lambda: len(gone) == 1)
    emit("watches", events=seen, ephemeral_removed=gone, exists_after_close=a.exists("/w/eph") is not None)
    a.stop()
    a.close()


def restart():
    c = client(timeout=6.0)
    states = []
    c.add_listener(lambda s: states.append(s))
    c.create("/r", b"1")
    c.create("/r-eph", b"", ephemeral=True)
    session = c.client_id[0]
    fired = []
    c.get("/r", watch=lambda e: fired.append([e.type, e.path]))
    emit("restart-now")
    sys.stdin.readline()
    reconnected = wait_for(lambda: KazooState.SUSPENDED in states and c.state == KazooState.CONNECTED, 10.0)
    other = client()
    other.set("/r", b"2")
    wait_for(lambda: len(fired) == 1)
    emit(
        "restart",
        reconnected=reconnected,
        same_session=c.client_id[0] == session,
        ephemeral_kept=c.exists("/r-eph") is not None,
        watch_after_restart=fired,
        lost=KazooState.LOST in states,
    )
    other.stop()
    other.close()
    c.stop()
    c.close()


def lock_recipe(workers=4, rounds=5):
    clients = [client() for _ in range(workers)]
    clients[0].ensure_path("/counter")
    clients[0].set("/counter", b"0")
    holders = [0]
    max_holders = [0]
    guard = threading.Lock()

    def work(c, name):
        lock = c.Lock("/locks/counter", name)
        for _ in range(rounds):
            with lock:
                with guard:
                    holders[0] += 1
                    max_holders[0] = max(max_holders[0], holders[0])
                value = int(c.get("/counter")[0])
                time.sleep(0.002)
                c.set("/counter", str(value + 1).encode())
                with guard:
                    holders[0] -= 1

    threads = [threading.Thread(target=work, args=(c, "w%d" % i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # The workers wrote through their own sessions, possibly on other members of an ensemble: clients[0] syncs
    # before it reads what they left (a member answers plain reads from its own applied tree).
    clients[0].sync("/locks/counter")
    emit("lock", counter=int(clients[0].get("/counter")[0]), max_holders=max_holders[0], leftover=clients[0].get_children("/locks/counter"))
    for c in clients:
        c.stop()
        c.close()


def election_recipe(candidates=3):
    clients = [client() for _ in range(candidates)]
    leaders = []
    guard = threading.Lock()
    done = [threading.Event() for _ in range(candidates)]

    def lead(name):
        with guard:
            leaders.append(name)
        done[int(name[1:])].wait(20)

    elections = [c.Election("/election", "c%d" % i) for i, c in enumerate(clients)]
    threads = [threading.Thread(target=e.run, args=(lead, "c%d" % i)) for i, e in enumerate(elections)]
    for t in threads:
        t.start()
    wait_for(lambda: len(leaders) == 1)
    time.sleep(0.2)
    first_count = len(leaders)
    # Every candidate has entered once its node is there (a loaded machine may start a thread late); the nodes
    # were created through other sessions, so clients[0] syncs before each read.
    wait_for(lambda: clients[0].sync("/election") is not None and len(elections[0].contenders()) == candidates, 10.0)
    contenders = sorted(elections[0].contenders())
    # Leaders step down one after the other: each time exactly one other candidate takes over.
    for step in range(1, candidates):
        done[int(leaders[-1][1:])].set()
        wait_for(lambda: len(leaders) == step + 1)
        time.sleep(0.1)
    for e in done:
        e.set()
    for t in threads:
        t.join(10)
    emit("election", first_count=first_count, contenders=contenders, leaders=len(leaders), distinct=len(set(leaders)))
    for c in clients:
        c.stop()
        c.close()


def barrier_recipe(parties=3):
    clients = [client() for _ in range(parties)]
    # Barrier: everyone waits until the holder removes it.
    clients[0].Barrier("/barrier").create()
    passed = []
    guard = threading.Lock()

    def wait_barrier(c, name):
        if c.Barrier("/barrier").wait(10):
            with guard:
                passed.append(name)

    threads = [threading.Thread(target=wait_barrier, args=(c, i)) for i, c in enumerate(clients[1:])]
    for t in threads:
        t.start()
    time.sleep(0.3)
    before = len(passed)
    clients[0].Barrier("/barrier").remove()
    for t in threads:
        t.join(10)
    # DoubleBarrier: nobody proceeds until all have entered, nobody leaves until all have left.
    entered = []

    def double(c, name):
        b = c.DoubleBarrier("/double", parties)
        b.enter()
        with guard:
            entered.append(name)
        b.leave()

    threads = [threading.Thread(target=double, args=(c, i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    emit("barrier", passed_before_remove=before, passed_after_remove=len(passed), double_entered=len(entered), double_left=not any(t.is_alive() for t in threads))
    for c in clients:
        c.stop()
        c.close()


if __name__ == "__main__":
    basics()
    watches()
    restart()
    lock_recipe()
    election_recipe()
    barrier_recipe()
    emit("done")
