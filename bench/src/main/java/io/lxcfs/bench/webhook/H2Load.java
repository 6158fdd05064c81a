package io.lxcfs.bench.webhook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives the webhook with nghttp2's {@code h2load}, an independent HTTP/2 and HTTP/1.1 client written in C (the API
 * server speaks HTTP/2 to webhooks). A fixed request rate is {@code --rps} per client times the number of clients;
 * latencies come from its per-request log ({@code --log-file}: start, status, microseconds to the end of the
 * response). h2load times a request from the moment it submits it, so a request it holds back because its
 * connection is busy (HTTP/1.1: one request in flight per connection) does not count that wait.
 */
public final class H2Load {
    /** HTTP/2: two connections, as many streams as a stall can pile up. HTTP/1.1: a pool of ten connections. */
    static final int H2_CONNECTIONS = 2;
    static final int H1_CONNECTIONS = 10;
    private static final Pattern SUMMARY = Pattern.compile(
            "requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored, "
                    + "(\\d+) timeout");

    private final String url;
    private final Path body;
    private final Path workDir;

    public H2Load(String url, Path body, Path workDir) {
        this.url = url;
        this.body = body;
        this.workDir = workDir;
    }

    public static boolean available() {
        try {
            return new ProcessBuilder("h2load", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs {@code rate} requests per second for {@code seconds}; every answer but a 200 counts as an error. */
    public Latencies run(boolean http1, int rate, int seconds) throws IOException, InterruptedException {
        int clients = http1 ? H1_CONNECTIONS : H2_CONNECTIONS;
        if (rate % clients != 0) {
            throw new IllegalArgumentException("rate " + rate + " is not a multiple of " + clients + " clients");
        }
        Path log = Files.createTempFile(workDir, "h2load-", ".tsv");
        Path out = Files.createTempFile(workDir, "h2load-", ".out");
        List<String> cmd = new ArrayList<>(List.of("h2load", "-t", "1", "-c", String.valueOf(clients),
                "-m", http1 ? "1" : "100", "--rps", String.valueOf(rate / clients), "-D", String.valueOf(seconds),
                // 1.52 sends nothing in a timed run without a warm-up period; its requests are not logged
                "--warm-up-time", "1",
                "-d", body.toString(), "-H", "content-type: application/json", "--log-file", log.toString()));
        if (http1) {
            cmd.add("--h1");
        }
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (p.waitFor() != 0) {
            throw new IOException("h2load failed: " + String.join(" ", cmd) + "\n" + Files.readString(out));
        }
        String summary = Files.readString(out);
        Matcher m = SUMMARY.matcher(summary);
        if (!m.find()) {
            throw new IOException("no request summary in h2load's output:\n" + summary);
        }
        long failed = Long.parseLong(m.group(5)) + Long.parseLong(m.group(6)) + Long.parseLong(m.group(7));
        List<String> lines = Files.readAllLines(log);
        long[] nanos = new long[lines.size()];
        long notOk = 0;
        int n = 0;
        for (String line : lines) {
            String[] f = line.split("\t");
            if (f.length < 3) {
                continue;
            }
            if (!"200".equals(f[1])) {
                notOk++;
            }
            nanos[n++] = Long.parseLong(f[2]) * 1000;
        }
        Files.deleteIfExists(log);
        Files.deleteIfExists(out);
        return Latencies.of(java.util.Arrays.copyOf(nanos, n), Math.max(failed, notOk));
    }
}
