package io.lxcfs.webhook.admission;

/** A request body that is not a usable AdmissionReview: answered with HTTP 400 and this message. */
public class BadAdmissionRequest extends RuntimeException {
    public BadAdmissionRequest(String message) {
        super(message, null, false, false);
    }
}
