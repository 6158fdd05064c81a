package io.lxcfs.bench.webhook;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.lxcfs.bench.ProcStat;
import io.lxcfs.testing.HttpsClient;
import io.lxcfs.testing.LocalTlsWebhook;

import javax.net.ssl.SSLContext;

/**
 * The packaged webhook started the way it runs in production, through {@code webhook/bin/lxcfs-webhook} (its JVM
 * flags), in local TLS mode (the harness's {@link LocalTlsWebhook}), without policies (no Kubernetes API here).
 */
public final class WebhookProcess implements AutoCloseable {
    private final LocalTlsWebhook webhook;
    private final SSLContext tls;

    private WebhookProcess(LocalTlsWebhook webhook) {
        this.webhook = webhook;
        this.tls = HttpsClient.trusting(webhook.caPem());
    }

    /** Starts it and waits until it reports ready; {@code extraJvmOptions} go to JAVA_OPTS (profiling, trials). */
    public static WebhookProcess start(Path repo, Path dir, String extraJvmOptions) throws Exception {
        // another start script (e.g. an older version's flags) for a comparison; the same jar either way
        Path script = Path.of(System.getProperty("lxcfs.bench.webhook.script",
                repo.resolve("webhook/bin/lxcfs-webhook").toString()));
        Path jar = repo.resolve("webhook/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no packaged webhook at " + jar + " (mvn -B -ntp -pl webhook -am package)");
        }
        LocalTlsWebhook webhook = LocalTlsWebhook.start(script, dir, List.of("-Dlxcfs.webhook.policies.enabled=false"),
                Map.of("LXCFS_WEBHOOK_JAR", jar.toString(),
                        "JAVA_OPTS", extraJvmOptions == null ? "" : extraJvmOptions));
        // a bench stopped with ^C or a kill must not leave the webhook running
        Runtime.getRuntime().addShutdownHook(new Thread(webhook.process().process()::destroyForcibly));
        return new WebhookProcess(webhook);
    }

    public long pid() {
        return webhook.process().pid(); // the start script execs java
    }

    public URI mutateUri() {
        return webhook.uri("/mutate");
    }

    public SSLContext tls() {
        return tls;
    }

    public Path log() {
        return webhook.process().logFile();
    }

    /** Resident set size in MiB, from /proc. */
    public long rssMiB() throws IOException {
        return ProcStat.rssKib(pid()) / 1024;
    }

    /** The webhook's own counters: mutations so far, and its admission-time histogram (upper bound → count). */
    public Metrics metrics() throws IOException, InterruptedException {
        String text = webhook.client().get("/q/metrics").body();
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

    /** SIGTERM: Quarkus shuts down cleanly (a JFR recording, if any, is written). */
    @Override
    public void close() throws InterruptedException {
        webhook.close();
    }
}
