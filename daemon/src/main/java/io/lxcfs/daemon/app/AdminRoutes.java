package io.lxcfs.daemon.app;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Run-time switch for the emergency passthrough (every reader gets the host files):
 * {@code PUT /admin/passthrough} with body {@code true} or {@code false}; {@code GET} shows the state.
 * {@code POST /admin/reconcile} runs a reconciliation pass now and answers its summary (409 when this
 * daemon is not the active one).
 */
@ApplicationScoped
public class AdminRoutes {

    private static final Logger LOG = Logger.getLogger(AdminRoutes.class);

    private final ViewDaemon daemon;

    public AdminRoutes(ViewDaemon daemon) {
        this.daemon = daemon;
    }

    void routes(@Observes Router router) {
        router.get("/admin/passthrough").handler(ctx -> ctx.response()
                .putHeader("content-type", "text/plain")
                .end(daemon.view().passthrough() + "\n"));
        router.put("/admin/passthrough").handler(BodyHandler.create().setBodyLimit(64));
        router.put("/admin/passthrough").handler(ctx -> {
            String body = ctx.body().asString() == null ? "" : ctx.body().asString().trim();
            if (!body.equals("true") && !body.equals("false")) {
                ctx.response().setStatusCode(400).putHeader("content-type", "text/plain")
                        .end("body must be true or false\n");
                return;
            }
            boolean on = Boolean.parseBoolean(body);
            daemon.view().setPassthrough(on);
            LOG.warnf("passthrough %s: %s", on ? "ON" : "off",
                    on ? "every reader gets the host's files" : "containers get their own view");
            ctx.response().putHeader("content-type", "text/plain").end(on + "\n");
        });
        router.post("/admin/reconcile").blockingHandler(ctx -> {
            try {
                String summary = daemon.reconcile().summary();
                ctx.response().putHeader("content-type", "text/plain").end(summary + "\n");
            } catch (IllegalStateException e) {
                ctx.response().setStatusCode(409).putHeader("content-type", "text/plain").end(e.getMessage() + "\n");
            }
        });
    }
}
