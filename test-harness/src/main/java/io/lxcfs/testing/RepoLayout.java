package io.lxcfs.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the build's artifacts are. Each has a system property (set by the failsafe configuration of the module that
 * runs the tests) and otherwise a place under the repository root, which is {@code -Dlxcfs.repo.root} (or the
 * benchmarks' {@code -Dlxcfs.repo}), else the repository of {@code -Dlxcfs.daemon.script}, else the first directory
 * from the working directory upwards that holds {@code daemon/bin/lxcfs-daemon}.
 */
public final class RepoLayout {

    private RepoLayout() {
    }

    public static Path root() {
        for (String property : new String[] {"lxcfs.repo.root", "lxcfs.repo"}) {
            String configured = System.getProperty(property);
            if (configured != null) {
                return Path.of(configured).toAbsolutePath().normalize();
            }
        }
        String script = System.getProperty("lxcfs.daemon.script");
        if (script != null) {
            return Path.of(script).toAbsolutePath().normalize().getParent().getParent().getParent(); // <repo>/daemon/bin/lxcfs-daemon
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("daemon/bin/lxcfs-daemon"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root not found above " + Path.of("").toAbsolutePath()
                + " (set -Dlxcfs.repo.root)");
    }

    /** A file of the build that must exist (the jars come from {@code mvn package} of their modules). */
    public static Path built(String relative) {
        return requireBuilt(root().resolve(relative));
    }

    /** The daemon's start script: {@code -Dlxcfs.daemon.script}, else {@code daemon/bin/lxcfs-daemon}. */
    public static Path daemonScript() {
        return configured("lxcfs.daemon.script", "daemon/bin/lxcfs-daemon");
    }

    /** The daemon's application jar: {@code -Dlxcfs.daemon.jar}, else {@code daemon/target/quarkus-app/quarkus-run.jar}. */
    public static Path daemonJar() {
        return configured("lxcfs.daemon.jar", "daemon/target/quarkus-app/quarkus-run.jar");
    }

    /** The C keeper: {@code -Dlxcfs.keeper}, else {@code daemon/target/lxcfs-keeper}. */
    public static Path keeper() {
        return configured("lxcfs.keeper", "daemon/target/lxcfs-keeper");
    }

    /** The webhook's start script: {@code -Dlxcfs.webhook.script}, else {@code webhook/bin/lxcfs-webhook}. */
    public static Path webhookScript() {
        return configured("lxcfs.webhook.script", "webhook/bin/lxcfs-webhook");
    }

    /** The webhook's application jar: {@code -Dlxcfs.webhook.jar}, else {@code webhook/target/quarkus-app/quarkus-run.jar}. */
    public static Path webhookJar() {
        return configured("lxcfs.webhook.jar", "webhook/target/quarkus-app/quarkus-run.jar");
    }

    /**
     * The test tools compiled from {@code daemon/src/test/c} ({@code procread}, {@code fuseclone}, ...):
     * {@code -Dlxcfs.tools.dir}, else {@code daemon/target/tools}. Not checked: a test may only bind-mount it.
     */
    public static Path toolsDir() {
        String configured = System.getProperty("lxcfs.tools.dir");
        return configured != null ? Path.of(configured).toAbsolutePath() : root().resolve("daemon/target/tools");
    }

    /** One of the test tools, e.g. {@code tool("procread")}. */
    public static Path tool(String name) {
        return toolsDir().resolve(name);
    }

    private static Path configured(String property, String relative) {
        String configured = System.getProperty(property);
        return configured != null ? Path.of(configured).toAbsolutePath() : built(relative);
    }

    private static Path requireBuilt(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(p + " is missing: build it first (mvn -pl <module> -am verify builds it)");
        }
        return p;
    }
}
