package io.lxcfs.bench.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reader: {@code daemon/target/tools/procread bench <file> <threads> <amount>} (one read = open, read to EOF, close;
 * daemon/src/test/c/procread.c), run inside the bench cgroup through {@code sh -c '<join> exec "$@"'} so the
 * daemons render the container's view, not the host's.
 */
public final class ProcRead {

    /** One {@code procread bench} line. */
    public record Result(long ops, long errors, double p50Us, double p99Us, double opsPerSecond, long bytes) {
        static Result parse(String line) {
            Map<String, String> f = new HashMap<>();
            for (String w : line.trim().split("\\s+")) {
                int eq = w.indexOf('=');
                if (eq > 0) {
                    f.put(w.substring(0, eq), w.substring(eq + 1));
                }
            }
            return new Result(Long.parseLong(f.getOrDefault("ops", "0")), Long.parseLong(f.getOrDefault("errors", "0")),
                    Double.parseDouble(f.getOrDefault("p50_us", "0")), Double.parseDouble(f.getOrDefault("p99_us", "0")),
                    Double.parseDouble(f.getOrDefault("ops_per_s", "0")), Long.parseLong(f.getOrDefault("bytes", "0")));
        }
    }

    private final Path procread;
    private final String joinScript;

    /** @param joinScript a shell fragment that moves {@code $$} into the bench cgroup */
    public ProcRead(Path procread, String joinScript) {
        this.procread = procread;
        this.joinScript = joinScript;
    }

    /** {@code amount}: a number of reads ({@code 3000}) or seconds ({@code 2s}). */
    public Result bench(Path file, int threads, String amount) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", joinScript + "exec \"$@\"", "sh"));
        cmd.addAll(List.of(procread.toString(), "bench", file.toString(), Integer.toString(threads), amount));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0 && !out.contains("ops=")) {
            throw new IOException("procread bench " + file + " exited with " + rc + ": " + out);
        }
        return Result.parse(out);
    }
}
