package dev.meshoperator.testenv;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What a Service does for webhook replicas outside the cluster: one address (the webhook
 * configuration's {@code url}) spreading TCP connections round-robin over several backends, skipping
 * a backend that refuses the connection (as an endpoint that failed readiness leaves the Service).
 * TLS passes through untouched: the API server verifies the replicas' certificate, not ours.
 */
public final class TcpBalancer implements AutoCloseable {
  private final ServerSocket server;
  private final List<InetSocketAddress> backends;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicLongArray connections;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "tcp-balancer");
    t.setDaemon(true);
    return t;
  });
  private final java.util.Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private TcpBalancer(ServerSocket server, List<InetSocketAddress> backends) {
    this.server = server;
    this.backends = backends;
    this.connections = new AtomicLongArray(backends.size());
  }

  /** Listens on {@code address:port} and forwards to {@code backends}. */
  public static TcpBalancer start(InetAddress address, int port, List<InetSocketAddress> backends) {
    try {
      var server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(address, port), 200);
      var balancer = new TcpBalancer(server, backends);
      balancer.threads.execute(balancer::acceptLoop);
      return balancer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Connections forwarded to each backend so far. */
  public long[] connectionsPerBackend() {
    long[] counts = new long[backends.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = connections.get(i);
    }
    return counts;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        threads.execute(() -> forward(client));
      } catch (IOException e) {
        if (!closed) {
          System.err.println("[tcp-balancer] accept: " + e);
        }
      }
    }
  }

  private void forward(Socket client) {
    Socket upstream = null;
    int start = Math.floorMod(next.getAndIncrement(), backends.size());
    for (int i = 0; i < backends.size() && upstream == null; i++) {
      int index = (start + i) % backends.size();
      try {
        var candidate = new Socket();
        candidate.connect(backends.get(index), 1000);
        upstream = candidate;
        connections.incrementAndGet(index);
      } catch (IOException refused) {
        // next backend
      }
    }
    if (upstream == null) {
      closeQuietly(client);
      return;
    }
    open.add(client);
    open.add(upstream);
    Socket up = upstream;
    threads.execute(() -> pump(client, up));
    pump(up, client);
  }

  private void pump(Socket from, Socket to) {
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      byte[] buffer = new byte[16384];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException ignored) {
      // the other side went away
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void closeQuietly(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    open.forEach(this::closeQuietly);
    threads.shutdownNow();
  }
}
