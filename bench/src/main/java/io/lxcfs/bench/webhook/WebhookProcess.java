package io.lxcfs.bench.webhook;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import io.lxcfs.testing.FreePort;
import io.lxcfs.testing.HttpsClient;

import javax.net.ssl.SSLContext;

/**
 * The packaged webhook started the way it runs in production, through {@code webhook/bin/lxcfs-webhook} (its JVM
 * flags), in local TLS mode (a self-signed CA in a private directory) on a free loopback port, without policies (no
 * Kubernetes API here).
 */
public final class WebhookProcess implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int port;
    private SSLContext tls;
    private HttpClient client;

    private WebhookProcess(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** Starts it and waits until it reports ready; {@code extraJvmOptions} go to JAVA_OPTS (profiling, trials). */
    public static WebhookProcess start(Path repo, Path dir, String extraJvmOptions)
            throws IOException, InterruptedException {
        // another start script (e.g. an older version's flags) for a comparison; the same jar either way
        Path script = Path.of(System.getProperty("lxcfs.bench.webhook.script",
                repo.resolve("webhook/bin/lxcfs-webhook").toString()));
        Path jar = repo.resolve("webhook/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no packaged webhook at " + jar + " (mvn -B -ntp -pl webhook -am package)");
        }
        int port = FreePort.find();
        List<String> cmd = new ArrayList<>(List.of(script.toString(),
                "-Dlxcfs.webhook.tls.mode=local", "-Dlxcfs.webhook.tls.local-dir=" + dir.resolve("tls"),
                "-Dquarkus.http.ssl-port=" + port, "-Dquarkus.http.host=127.0.0.1",
                "-Dlxcfs.webhook.policies.enabled=false"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("webhook.log").toFile());
        pb.environment().put("LXCFS_WEBHOOK_JAR", jar.toString());
        pb.environment().put("JAVA_OPTS", extraJvmOptions == null ? "" : extraJvmOptions);
        // no kubeconfig: the webhook must not find a cluster to talk to
        pb.environment().put("KUBECONFIG", dir.resolve("no-kubeconfig").toString());
        WebhookProcess w = new WebhookProcess(pb.start(), dir, port);
        // a bench stopped with ^C or a kill must not leave the webhook running
        Runtime.getRuntime().addShutdownHook(new Thread(w.process::destroyForcibly));
        try {
            w.awaitReady(Duration.ofSeconds(60));
        } catch (IOException | RuntimeException | InterruptedException e) {
            w.close();
            throw e;
        }
        return w;
    }

    public long pid() {
        return process.pid(); // the start script execs java
    }

    public URI mutateUri() {
        return URI.create("https://127.0.0.1:" + port + "/mutate");
    }

    public SSLContext tls() {
        return tls;
    }

    public Path log() {
        return dir.resolve("webhook.log");
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path ca = dir.resolve("tls/ca.crt");
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the webhook exited with " + process.exitValue() + ":\n"
                        + Files.readString(log()));
            }
            if (Files.isRegularFile(ca) && Files.size(ca) > 0) {
                try {
                    if (client == null) {
                        tls = HttpsClient.trusting(Files.readString(ca));
                        client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(2)).build();
                    }
                    if (get("/q/health/ready").statusCode() == 200) {
                        return;
                    }
                } catch (IOException | IllegalArgumentException e) {
                    // not listening yet, or the CA file is still being written
                    client = null;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the webhook was not ready within " + timeout + ":\n"
                        + Files.readString(log()));
            }
            Thread.sleep(200); // polling a process we do not control: nothing to await
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Resident set size in MiB, from /proc. */
    public long rssMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
            }
        }
        throw new IOException("no VmRSS for pid " + pid());
    }

    /** The webhook's own counters: mutations so far, and its admission-time histogram (upper bound → count). */
    public Metrics metrics() throws IOException, InterruptedException {
        String text = get("/q/metrics").body();
        double mutations = 0;
        TreeMap<Double, Double> buckets = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("lxcfs_webhook_mutations_total")) {
                mutations = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("lxcfs_webhook_admission_seconds_bucket{")) {
                int le = line.indexOf("le=\"") + 4;
                String bound = line.substring(le, line.indexOf('"', le));
                buckets.put("+Inf".equals(bound) ? Double.POSITIVE_INFINITY : Double.parseDouble(bound),
                        Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return new Metrics((long) mutations, buckets);
    }

    /** A snapshot of the counters; differences between two cover one phase. */
    public record Metrics(long mutations, TreeMap<Double, Double> cumulativeBuckets) {
        /** The histogram bucket bound (ms) under which p percent of the admissions since {@code before} finished. */
        public double percentileBoundMillis(Metrics before, double p) {
            double total = count(this) - count(before);
            for (var e : cumulativeBuckets.entrySet()) {
                double c = e.getValue() - before.cumulativeBuckets.getOrDefault(e.getKey(), 0.0);
                if (total > 0 && c >= total * p / 100) {
                    return e.getKey() * 1000;
                }
            }
            return Double.NaN;
        }

        private static double count(Metrics m) {
            return m.cumulativeBuckets.isEmpty() ? 0 : m.cumulativeBuckets.lastEntry().getValue();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: Quarkus shuts down cleanly (a JFR recording, if any, is written)
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
