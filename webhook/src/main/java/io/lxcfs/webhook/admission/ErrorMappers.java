package io.lxcfs.webhook.admission;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Maps failures to client errors with a short JSON message. Nothing a client sends produces a 500 or a stack trace:
 * unexpected failures while reading a request are answered 400 (and logged).
 */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response badRequest(BadAdmissionRequest e) {
        return error(400, e.getMessage());
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse() == null ? 400 : e.getResponse().getStatus();
        if (status >= 500) {
            LOG.warnf("request failed: %s", e.toString());
            status = 400;
        }
        return error(status, e.getMessage() == null ? "request could not be processed" : e.getMessage());
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response any(Throwable e) {
        LOG.warnf("request could not be processed: %s", e.toString());
        return error(400, "request could not be processed: " + e.getClass().getSimpleName());
    }

    static Response error(int status, String message) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("code", status);
        body.put("message", message);
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body.toString()).build();
    }
}
