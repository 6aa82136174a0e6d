package org.ebpfagent.agent.probe;

/** What one poll did, summed over the probes; reused from poll to poll. */
public final class PollStats {
    public long threadsTracked;
    public long entriesRead;
    public long readCalls;
    public long eventsWritten;
    public long threadsDropped;
    public long exitsDropped;
    public long reasonsDropped;
    public long probeMisses;
    public long switchInsUnseen;
    public long recordsLost;
    public long connectionsDropped;
    public long slowSyscallsLost;
    public long syscallEntriesDropped;

    public void reset() {
        threadsTracked = 0;
        entriesRead = 0;
        readCalls = 0;
        eventsWritten = 0;
        threadsDropped = 0;
        exitsDropped = 0;
        reasonsDropped = 0;
        probeMisses = 0;
        switchInsUnseen = 0;
        recordsLost = 0;
        connectionsDropped = 0;
        slowSyscallsLost = 0;
        syscallEntriesDropped = 0;
    }
}
