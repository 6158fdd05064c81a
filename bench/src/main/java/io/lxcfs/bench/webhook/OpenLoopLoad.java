package io.lxcfs.bench.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * Our own open-loop HTTPS/1.1 load generator, the second opinion next to h2load: request i is due at start + i/rate,
 * a pool of blocking JDK clients on kept-alive connections takes the next due request, waits for its time and sends
 * it. Each request's latency is kept twice: from its due time (queueing behind a slow response counts, and so do
 * this JVM's own pauses and late wake-ups) and from the moment a worker actually sent it (what h2load measures).
 */
public final class OpenLoopLoad {
    /** The pool: enough blocking connections that a 10 ms stall at 1,000 req/s does not exhaust it. */
    static final int WORKERS = 16;

    /** Both views of one phase. */
    public record Result(Latencies fromDue, Latencies fromSend) {
    }

    private final URL url;
    private final SSLSocketFactory sockets;
    private final byte[] body;

    public OpenLoopLoad(URI uri, SSLContext tls, byte[] body) throws IOException {
        this.url = uri.toURL();
        // one factory for every phase: the JDK's keep-alive cache reuses a connection only for the same factory
        this.sockets = new NoDelay(tls.getSocketFactory());
        this.body = body;
        System.setProperty("http.maxConnections", String.valueOf(WORKERS)); // keep every worker's connection alive
    }

    public Result run(int rate, int seconds) throws InterruptedException {
        int n = rate * seconds;
        long[] fromDue = new long[n];
        long[] fromSend = new long[n];
        AtomicLong errors = new AtomicLong();
        AtomicInteger next = new AtomicInteger();
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime() + 50_000_000L;
        Thread[] workers = new Thread[WORKERS];
        for (int w = 0; w < WORKERS; w++) {
            workers[w] = new Thread(() -> {
                int i;
                while ((i = next.getAndIncrement()) < n) {
                    long due = start + i * interval;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    long sent = System.nanoTime();
                    if (!send()) {
                        errors.incrementAndGet();
                    }
                    long done = System.nanoTime();
                    fromDue[i] = done - due;
                    fromSend[i] = done - sent;
                }
            }, "load-" + w);
            workers[w].start();
        }
        for (Thread t : workers) {
            t.join();
        }
        return new Result(Latencies.of(fromDue, errors.get()), Latencies.of(fromSend, errors.get()));
    }

    /** One POST; true for a 200 that carries a JSON Patch. */
    private boolean send() {
        try {
            HttpsURLConnection c = (HttpsURLConnection) url.openConnection();
            c.setSSLSocketFactory(sockets);
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            c.setConnectTimeout(10_000);
            c.setReadTimeout(10_000);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
            int status = c.getResponseCode();
            byte[] resp;
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                resp = in == null ? new byte[0] : in.readAllBytes();
            }
            return status == 200 && new String(resp, StandardCharsets.UTF_8).contains("\"patchType\":\"JSONPatch\"");
        } catch (IOException e) {
            return false;
        }
    }

    /** TCP_NODELAY on every connection, as Go's HTTP client (the API server's) sets by default; the JDK's does not. */
    static final class NoDelay extends SSLSocketFactory {
        private final SSLSocketFactory d;

        NoDelay(SSLSocketFactory d) {
            this.d = d;
        }

        private static Socket set(Socket s) throws IOException {
            s.setTcpNoDelay(true);
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return d.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return d.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return set(d.createSocket()); // not connected yet: the option is applied when it connects
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            s.setTcpNoDelay(true);
            return set(d.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return set(d.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return set(d.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return set(d.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return set(d.createSocket(address, port, localAddress, localPort));
        }
    }
}
