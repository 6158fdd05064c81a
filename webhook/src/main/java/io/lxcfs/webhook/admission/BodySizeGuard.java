package io.lxcfs.webhook.admission;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.configuration.MemorySize;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;

/**
 * Answers an admission request whose declared size is over the limit with 400 and a message before its body is read.
 * Without it the HTTP layer's body limit answers a bare 413 (over HTTP/2 a reset stream), which tells the sender
 * nothing. The API server never sends more than its own 3 MiB request limit, so such a request is malformed. (A chunked
 * body without Content-Length is only found too big while it is read; that still gets the HTTP layer's 413.)
 */
@Singleton
public class BodySizeGuard {
    private static final long MAX_DRAIN_BYTES = 16L * 1024 * 1024;

    /** The HTTP layer's own limit, so the two never disagree. */
    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBody;

    void install(@Observes Router router) {
        router.route("/mutate").order(Integer.MIN_VALUE).handler(rc -> {
            String length = rc.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            long declared = -1;
            if (length != null) {
                try {
                    declared = Long.parseLong(length.trim());
                } catch (NumberFormatException e) {
                    declared = Long.MAX_VALUE;
                }
            }
            if (declared > maxBody.asLongValue()) {
                refuse(rc.request(), declared, maxBody.asLongValue());
                return;
            }
            rc.next();
        });
    }

    /**
     * Answers at once, then reads and discards what the client still sends (clients such as the JDK's HTTP/2 client
     * wait until their body is out), up to {@link #MAX_DRAIN_BYTES}; past that the connection is closed. HTTP/1.1
     * connections are closed after the answer.
     */
    private static void refuse(HttpServerRequest request, long declared, long limit) {
        HttpServerResponse response = request.response();
        boolean http2 = request.version() == HttpVersion.HTTP_2;
        if (!http2) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        long[] drained = { 0 };
        request.handler(chunk -> {
            drained[0] += chunk.length();
            if (drained[0] > MAX_DRAIN_BYTES) {
                request.handler(null);
                request.connection().close();
            }
        });
        request.resume();
        response.setStatusCode(400)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end("{\"code\":400,\"message\":\"request body of " + declared + " bytes is over the limit of "
                        + limit + " bytes: not an AdmissionReview the API server would send\"}");
    }
}
