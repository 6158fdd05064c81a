package io.lxcfs.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the build's artifacts are: found from the working directory (failsafe runs in src-test/) upwards. */
final class RepoLayout {

    private RepoLayout() {
    }

    static Path root() {
        String configured = System.getProperty("lxcfs.repo.root");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("daemon/bin/lxcfs-daemon")) && Files.isRegularFile(p.resolve("webhook/bin/lxcfs-webhook"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root not found above " + Path.of("").toAbsolutePath()
                + " (set -Dlxcfs.repo.root)");
    }

    /** A file of the build that must exist (the jars come from `mvn package` of their modules). */
    static Path built(String relative) {
        Path p = root().resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(p + " is missing: build it first (mvn -pl src-test -am verify builds it)");
        }
        return p;
    }
}
