package io.lxcfs.daemon.fuse;

import io.lxcfs.daemon.host.LibC;
import io.lxcfs.daemon.view.ProcView;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves one FUSE connection: a few Java threads, each reading one request from the device, answering it
 * ({@link FuseRequests}) and writing the reply: one read(2) and one write(2) per request, no library in between.
 * Any number of servers, in any processes, may serve the same connection at once; each answers what it read.
 */
public final class FuseServer {

    private static final Logger LOG = Logger.getLogger(FuseServer.class);
    /**
     * Request threads. Handlers never wait for another FUSE request, so a few suffice; more only queue on
     * the two-to-a-few CPUs of a node daemon.
     */
    static final int WORKERS = Math.max(4, Math.min(16, 2 * Runtime.getRuntime().availableProcessors()));
    private static final int IN_BUFFER = 4 * FuseProtocol.MIN_READ_BUFFER;

    public enum State { NEW, SERVING, STOPPING, ENDED }

    private final FuseDevice device;
    private final FuseRequests requests;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CompletableFuture<String> ended = new CompletableFuture<>();
    private volatile State state = State.NEW;

    FuseServer(FuseDevice device, FuseRequests requests) {
        this.device = device;
        this.requests = requests;
    }

    /** A server of the view's tree with the timeouts of {@code fuseOptions} ({@code entry_timeout=..,attr_timeout=..}). */
    public static FuseServer forView(FuseDevice device, ProcView view, ReadListener listener, String fuseOptions, boolean resend) {
        return new FuseServer(device, new FuseRequests(new ProcViewFs(view, listener), FuseRequests.Timeouts.parse(fuseOptions), resend));
    }

    public synchronized void start() {
        if (state != State.NEW) {
            throw new IllegalStateException("already started");
        }
        state = State.SERVING;
        for (int i = 0; i < WORKERS; i++) {
            Thread t = new Thread(this::serve, "fuse-worker-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    public State state() {
        return state;
    }

    /** This connection's INIT (for a fresh mount: when the kernel's FUSE_INIT was answered). */
    public CompletableFuture<InitState> init() {
        return requests.init();
    }

    /** A live connection taken over: its INIT happened before. */
    public void initialized(InitState state) {
        requests.initialized(state);
    }

    /** Completes with the reason when the connection ends (unmounted or aborted). */
    public CompletableFuture<String> ended() {
        return ended;
    }

    public long resentRequests() {
        return requests.resent();
    }

    public long requests() {
        return requests.handled();
    }

    public FuseDevice device() {
        return device;
    }

    /**
     * Waits up to {@code drain} for the requests being answered. Threads blocked reading the device cannot be
     * woken; they die with the process, and a request one of them read in that instant is sent again by the
     * kernel at the keeper's FUSE_NOTIFY_RESEND.
     */
    public void stop(Duration drain) {
        state = State.STOPPING;
        long deadline = System.nanoTime() + drain.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void serve() {
        ByteBuffer in = ByteBuffer.allocateDirect(IN_BUFFER).order(ByteOrder.nativeOrder());
        ByteBuffer out = ByteBuffer.allocateDirect(FuseProtocol.OUT_HEADER + FuseProtocol.MAX_READ).order(ByteOrder.nativeOrder());
        while (true) {
            long n = device.read(in);
            if (n < 0) {
                int errno = (int) -n;
                if (errno == LibC.EINTR || errno == LibC.ENOENT || errno == LibC.EAGAIN) {
                    continue; // interrupted, or the request was withdrawn before we got it
                }
                end(errno == LibC.ENODEV ? "unmounted" : errno == LibC.ECONNABORTED ? "aborted" : "read error " + errno);
                return;
            }
            if (n < FuseProtocol.IN_HEADER) {
                continue;
            }
            inFlight.incrementAndGet();
            try {
                int reply = requests.handle(in, (int) n, out);
                if (reply > 0) {
                    int res = device.write(out, reply);
                    // ENOENT: the caller was interrupted, or the request was sent again to another server.
                    if (res < 0 && res != -LibC.ENOENT) {
                        LOG.debugf("reply to opcode %d: errno %d", in.getInt(4), -res);
                    }
                }
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    private void end(String reason) {
        if (ended.complete(reason)) {
            state = State.ENDED;
            LOG.infof("the FUSE connection ended: %s", reason);
        }
    }
}
