package io.lxcfs.webhook.admission;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.smallrye.common.annotation.NonBlocking;

/** {@code POST /mutate}: the admission endpoint the MutatingWebhookConfiguration points at. */
@Path("/mutate")
public class MutateResource {
    @Inject
    AdmissionService service;

    @POST
    @NonBlocking
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public byte[] mutate(byte[] body) {
        return service.review(body);
    }
}
