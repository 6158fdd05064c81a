package io.lxcfs.webhook.tls;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the served certificate is valid. */
@Readiness
@ApplicationScoped
public class TlsReadiness implements HealthCheck {
    @Inject
    TlsManager tls;

    @Override
    public HealthCheckResponse call() {
        ServingMaterial m = tls.current();
        boolean valid = m != null && m.leafNotAfter().isAfter(Instant.now());
        return HealthCheckResponse.named("tls").status(valid)
                .withData("mode", String.valueOf(tls.effectiveMode()).toLowerCase().replace('_', '-'))
                .withData("notAfter", m == null ? "none" : m.leafNotAfter().toString()).build();
    }
}
