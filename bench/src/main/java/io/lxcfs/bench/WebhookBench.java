package io.lxcfs.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.lxcfs.bench.webhook.H2Load;
import io.lxcfs.bench.webhook.Latencies;
import io.lxcfs.bench.webhook.OpenLoopLoad;
import io.lxcfs.bench.webhook.WebhookProcess;
import io.lxcfs.testing.TestFiles;

/**
 * The webhook under load (docs/benchmarks-webhook.md): starts the packaged webhook, drives it with h2load over
 * HTTP/2 and HTTP/1.1 and with our own open-loop generator at each rate, and prints one Markdown table with the
 * webhook's RSS after each phase. Every request is the same CREATE AdmissionReview of an annotated two-container
 * pod, i.e. the whole path (parse, decide, mutate, diff, JSON Patch). Exits non-zero when a request failed.
 * <p>
 * System properties: {@code lxcfs.repo} (repository root, required), {@code lxcfs.bench.webhook.rates} (500,1000),
 * {@code .seconds} (30), {@code .warmup} (seconds, 20), {@code .jvm} (extra webhook JVM options, e.g. a JFR
 * recording), {@code .script} (another start script to compare), {@code .generator} (false skips our generator).
 */
public final class WebhookBench {
    private static final String BODY = "/io/lxcfs/bench/webhook/admission-review.json";

    private WebhookBench() {
    }

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(required("lxcfs.repo"));
        int[] rates = Arrays.stream(System.getProperty("lxcfs.bench.webhook.rates", "500,1000").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        int seconds = Integer.getInteger("lxcfs.bench.webhook.seconds", 30);
        int warmup = Integer.getInteger("lxcfs.bench.webhook.warmup", 20);
        boolean generator = Boolean.parseBoolean(System.getProperty("lxcfs.bench.webhook.generator", "true"));
        if (!H2Load.available()) {
            throw new IllegalStateException("h2load is missing (Debian nghttp2-client; scripts/install-deps.sh)");
        }
        Path dir = Files.createTempDirectory("lxcfs-webhook-bench-");
        byte[] body;
        try (InputStream in = WebhookBench.class.getResourceAsStream(BODY)) {
            body = in.readAllBytes();
        }
        Path bodyFile = Files.write(dir.resolve("admission-review.json"), body);

        List<String> rows = new ArrayList<>();
        long errors = 0;
        try (WebhookProcess webhook = WebhookProcess.start(repo, dir, System.getProperty("lxcfs.bench.webhook.jvm"))) {
            System.out.printf("webhook pid %d at %s, RSS %d MiB after start-up; %s%n", webhook.pid(),
                    webhook.mutateUri(), webhook.rssMiB(), load());
            H2Load h2load = new H2Load(webhook.mutateUri().toString(), bodyFile, dir);
            OpenLoopLoad ours = new OpenLoopLoad(webhook.mutateUri(), webhook.tls(), body);
            if (warmup > 0) { // JIT and connections; not reported
                h2load.run(false, 500, warmup);
                h2load.run(true, 500, Math.max(1, warmup / 2));
                if (generator) {
                    ours.run(500, Math.max(1, warmup / 2));
                }
            }
            for (int rate : rates) {
                for (boolean http1 : new boolean[] { false, true }) {
                    var before = webhook.metrics();
                    Latencies l = h2load.run(http1, rate, seconds);
                    var after = webhook.metrics();
                    long lost = Math.max(0, l.requests() - l.errors() - (after.mutations() - before.mutations()));
                    errors += l.errors() + lost;
                    rows.add(row("h2load " + (http1 ? "HTTP/1.1" : "HTTP/2"), rate, l, l.errors() + lost,
                            after.percentileBoundMillis(before, 99), webhook.rssMiB()));
                    System.out.printf("  done: h2load %s %d/s (%s)%n", http1 ? "HTTP/1.1" : "HTTP/2", rate, load());
                }
                if (generator) {
                    var before = webhook.metrics();
                    OpenLoopLoad.Result r = ours.run(rate, seconds);
                    var after = webhook.metrics();
                    long lost = Math.max(0, r.fromDue().requests() - r.fromDue().errors()
                            - (after.mutations() - before.mutations()));
                    errors += r.fromDue().errors() + lost;
                    double inside = after.percentileBoundMillis(before, 99);
                    long rss = webhook.rssMiB();
                    rows.add(row("ours HTTP/1.1, from due time", rate, r.fromDue(), r.fromDue().errors() + lost,
                            inside, rss));
                    rows.add(row("ours HTTP/1.1, from send", rate, r.fromSend(), r.fromSend().errors() + lost,
                            inside, rss));
                    System.out.printf("  done: ours %d/s (%s)%n", rate, load());
                }
            }
            System.out.println();
            System.out.println("| mode | rate/s | requests | errors | p50 ms | p99 ms | p99.9 ms | max ms"
                    + " | in-webhook p99 ms ≤ | webhook RSS MiB |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            rows.forEach(System.out::println);
            System.out.printf("%nwebhook RSS after the load: %d MiB; %s%n", webhook.rssMiB(), load());
        } finally {
            TestFiles.deleteTree(dir);
        }
        if (errors > 0) {
            System.err.println(errors + " requests failed");
            System.exit(1);
        }
    }

    private static String row(String mode, int rate, Latencies l, long errors, double insideP99, long rss) {
        return String.format(Locale.ROOT, "| %s | %d | %d | %d | %.2f | %.2f | %.2f | %.1f | %.2f | %d |", mode, rate,
                l.requests(), errors, l.percentileMillis(50), l.percentileMillis(99), l.percentileMillis(99.9),
                l.maxMillis(), insideP99, rss);
    }

    /** The machine's load average: the two cores are shared with whatever else runs. */
    private static String load() {
        return "load average " + ProcStat.loadAverage();
    }

    private static String required(String property) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("-D" + property + " is required");
        }
        return v;
    }
}
