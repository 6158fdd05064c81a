// Open-loop HTTPS load generator for the admission webhook (run with `java scripts/WebhookLoad.java ...`, JDK 17+).
// Sends AdmissionReview v1 requests for an annotated Deployment-style pod at fixed rates and reports latency
// percentiles measured from each request's scheduled send time (so a stalled server cannot hide queueing delay).
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

public class WebhookLoad {
    static final int WORKERS = 16;
    static final String POD = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-7c5ddbdf54-","namespace":"shop",
         "labels":{"app":"web","pod-template-hash":"7c5ddbdf54"},
         "annotations":{"lxcfs.io/enable":"true","prometheus.io/scrape":"true"},
         "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7c5ddbdf54",
           "uid":"2b8a1c1e-9a7f-4c52-8f0f-0d1f9a5e3c11","controller":true,"blockOwnerDeletion":true}]},
         "spec":{"volumes":[{"name":"kube-api-access-x7k2p","projected":{"sources":[
             {"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},
             {"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}}],"defaultMode":420}}],
          "containers":[{"name":"web","image":"registry.example.com/shop/web:1.4.2",
             "ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],
             "resources":{"limits":{"cpu":"1500m","memory":"1Gi"},"requests":{"cpu":"250m","memory":"512Mi"}},
             "volumeMounts":[{"name":"kube-api-access-x7k2p","readOnly":true,
               "mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],
             "livenessProbe":{"httpGet":{"path":"/healthz","port":"http"},"periodSeconds":10}},
            {"name":"log-shipper","image":"fluent/fluent-bit:3.1","resources":{"limits":{"memory":"64Mi"}}}],
          "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst",
          "serviceAccountName":"default","enableServiceLinks":true}}""";

    public static void main(String[] args) throws Exception {
        String url = "https://127.0.0.1:8443/mutate";
        Path ca = null;
        int[] rates = { 100, 500, 1000 };
        int seconds = 20;
        int warmup = 30;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--ca" -> ca = Path.of(args[++i]);
                case "--rates" -> rates = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (ca == null) {
            throw new IllegalArgumentException("--ca <file> (the webhook's CA certificate) is required");
        }
        System.setProperty("http.maxConnections", String.valueOf(WORKERS)); // keep every worker's connection alive
        // one factory for every request of every phase: the JDK's keep-alive cache reuses a connection only for the
        // same factory, so the warm-up opens the connections (like the API server's pool) and the phases reuse them
        SSLSocketFactory client = new NoDelay(trusting(ca).getSocketFactory());
        URI uri = URI.create(url);

        if (warmup > 0) {
            run(client, uri, 500, warmup); // JIT warm-up, not reported
        }
        System.out.printf("%-8s %-9s %-9s %-9s %-9s %-9s %-9s %-7s%n", "rate/s", "sent", "achieved", "p50 ms",
                "p90 ms", "p99 ms", "max ms", "errors");
        int totalErrors = 0;
        for (int rate : rates) {
            Result r = run(client, uri, rate, seconds);
            totalErrors += r.errors;
            System.out.printf("%-8d %-9d %-9.1f %-9.3f %-9.3f %-9.3f %-9.3f %-7d%n", rate, r.sent, r.achieved,
                    r.pct(50), r.pct(90), r.pct(99), r.max(), r.errors);
        }
        System.exit(totalErrors == 0 ? 0 : 1);
    }

    record Result(int sent, double achieved, long[] latenciesNs, int errors) {
        double pct(double p) {
            if (latenciesNs.length == 0) {
                return Double.NaN;
            }
            int idx = (int) Math.ceil(p / 100.0 * latenciesNs.length) - 1;
            return latenciesNs[Math.max(0, Math.min(idx, latenciesNs.length - 1))] / 1e6;
        }

        double max() {
            return latenciesNs.length == 0 ? Double.NaN : latenciesNs[latenciesNs.length - 1] / 1e6;
        }
    }

    /**
     * Open loop with a fixed pool of blocking workers on kept-alive HTTPS connections: request i is due at
     * start + i/rate; a worker takes the next due request, waits for its time, sends it, and records the latency from
     * the due time (so time spent queued behind a slow response counts).
     */
    static Result run(SSLSocketFactory factory, URI uri, int rate, int seconds) throws Exception {
        int n = rate * seconds;
        long[] lat = new long[n];
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime() + 50_000_000L;
        Thread[] workers = new Thread[WORKERS];
        for (int w = 0; w < WORKERS; w++) {
            workers[w] = new Thread(() -> {
                int i;
                while ((i = next.getAndIncrement()) < n) {
                    long scheduled = start + i * interval;
                    long wait;
                    while ((wait = scheduled - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    try {
                        String body = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                                + "\"request\":{\"uid\":\"bench-" + rate + "-" + i + "\",\"kind\":{\"group\":\"\","
                                + "\"version\":\"v1\",\"kind\":\"Pod\"},\"resource\":{\"group\":\"\",\"version\":\"v1\","
                                + "\"resource\":\"pods\"},\"namespace\":\"shop\",\"operation\":\"CREATE\","
                                + "\"dryRun\":false,\"object\":" + POD + "}}";
                        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                        HttpsURLConnection c = (HttpsURLConnection) uri.toURL().openConnection();
                        c.setSSLSocketFactory(factory);
                        c.setRequestMethod("POST");
                        c.setDoOutput(true);
                        // buffered (not streaming) mode: headers and body leave in one write, no Nagle/delayed-ACK stall
                        c.setRequestProperty("Content-Type", "application/json");
                        c.setConnectTimeout(10_000);
                        c.setReadTimeout(10_000);
                        try (OutputStream out = c.getOutputStream()) {
                            out.write(bytes);
                        }
                        int status = c.getResponseCode();
                        byte[] resp;
                        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                            resp = in == null ? new byte[0] : in.readAllBytes();
                        }
                        lat[i] = System.nanoTime() - scheduled;
                        if (status != 200 || !new String(resp, StandardCharsets.UTF_8)
                                .contains("\"patchType\":\"JSONPatch\"")) {
                            if (errors.incrementAndGet() <= 3) {
                                System.err.println("error: " + status + " " + new String(resp, StandardCharsets.UTF_8));
                            }
                        }
                    } catch (Exception e) {
                        lat[i] = System.nanoTime() - scheduled;
                        if (errors.incrementAndGet() <= 3) {
                            System.err.println("error: " + e);
                        }
                    }
                }
            }, "load-" + w);
            workers[w].start();
        }
        for (Thread t : workers) {
            t.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] sorted = lat.clone();
        Arrays.sort(sorted);
        return new Result(n, n / elapsed, sorted, errors.get());
    }

    static SSLContext trusting(Path caFile) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int i = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(caFile)))) {
            ks.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /**
     * TCP_NODELAY on every connection, as Go's HTTP client (the API server's) sets by default; the JDK client does not,
     * and sends a request as two TLS records (headers, body).
     */
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
