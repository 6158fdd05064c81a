package io.lxcfs.webhook.tls;

import java.time.Instant;

import io.lxcfs.webhook.config.WebhookConfig.Mode;

/**
 * Where the served certificate comes from in one TLS mode. {@link TlsManager} asks once at start-up and then at every
 * check, and swaps in whatever differs from what it serves. Not thread-safe: the manager calls one method at a time.
 */
interface ServingSource {

    /** What to serve from start-up on; throws when there is nothing (the webhook must not start without it). */
    ServingMaterial initial(Instant now);

    /**
     * What to serve after a check at {@code now}: {@code current} when nothing changed. May throw; the manager then
     * keeps serving {@code current} and tries again at the next check.
     */
    ServingMaterial refresh(ServingMaterial current, Instant now);

    /** The mode in effect (self-managed serves a local certificate while the Kubernetes API does not answer). */
    Mode mode();

    /** One line for the log: where {@code served} comes from and until when it is valid. */
    String describe(ServingMaterial served);
}
