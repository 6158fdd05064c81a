package io.lxcfs.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One daemon for every test of a class, on a fresh temporary mount: a JUnit extension that skips the class without
 * {@link RootAccess}, starts the daemon before the first test and stops it (unmounting the view) after the last.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final SharedDaemon VIEW = new SharedDaemon("lxcfs-it-view");
 * ... new ViewContainer(cg, VIEW.mount()) ... VIEW.daemon().log() ...
 * }</pre>
 */
public final class SharedDaemon implements BeforeAllCallback, AfterAllCallback {

    private final String mountPrefix;
    private Path mount;
    private DaemonProcess daemon;

    /** {@code mountPrefix} names the temporary mount directory ({@code /tmp/<prefix>...}). */
    public SharedDaemon(String mountPrefix) {
        this.mountPrefix = mountPrefix;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        RootAccess.assume();
        mount = Files.createTempDirectory(mountPrefix);
        daemon = DaemonProcess.start(mount);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (daemon != null) {
            daemon.close();
            daemon = null;
        }
    }

    /** Where the view is mounted. */
    public Path mount() {
        return mount;
    }

    public DaemonProcess daemon() {
        return daemon;
    }
}
