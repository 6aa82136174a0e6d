package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;

/**
 * Connections opened before any agent: on loopback, an idle pair (nothing is ever sent on it) and
 * a pair that later carries exactly {@link #BYTES} bytes from the client to the server. The
 * workload prints each pair's ports ("IDLE client=C server=S", "USED client=C server=S") and
 * STARTED; after "go" on stdin (sent once an agent is attached) it sends the bytes, closes both
 * pairs client end first, waits until the kernel holds none of their sockets, prints DONE and
 * exits at the next line on stdin.
 */
public final class TcpOpenBeforeWorkload {
    public static final int BYTES = 1000;

    public static void main(String[] args) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 16, loopback)) {
            Socket idleClient = new Socket(loopback, server.getLocalPort());
            Socket idleServer = server.accept();
            Socket usedClient = new Socket(loopback, server.getLocalPort());
            Socket usedServer = server.accept();
            System.out.println("IDLE client=" + idleClient.getLocalPort() + " server=" + server.getLocalPort());
            System.out.println("USED client=" + usedClient.getLocalPort() + " server=" + server.getLocalPort());
            System.out.println("STARTED");
            System.out.flush();
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
            stdin.readLine(); // "go"
            usedClient.getOutputStream().write(new byte[BYTES]);
            usedServer.getInputStream().readNBytes(BYTES);
            idleClient.close();
            usedClient.close();
            // The server ends close once the clients' FINs have reached them (CLOSE_WAIT): the
            // clients closed first, whatever delay softirq work sees on a loaded machine.
            List<String> closeWait = TcpWorkload.await(30_000, l -> l.size() == 2, List.of("close-wait"),
                    idleClient.getLocalPort(), usedClient.getLocalPort());
            System.out.println("SERVER-ENDS-IN-CLOSE-WAIT " + closeWait.size() + " " + closeWait);
            idleServer.close();
            usedServer.close();
            System.out.println("OPEN " + TcpWorkload.awaitClosed(60_000, server.getLocalPort()));
            System.out.println("DONE");
            System.out.flush();
            stdin.readLine();
        }
    }
}
