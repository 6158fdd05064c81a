package io.lxcfs.daemon.fuse;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a FUSE connection settled at its one FUSE_INIT, which a daemon taking over the live connection must know:
 * the kernel sends INIT once per connection, never again. Carried between daemons as a token of
 * {@code key=value} pairs ({@link #token()}), through the keeper.
 *
 * @param device the connection's device as mountinfo shows it ({@code major:minor}); its fusectl directory
 * @param kernelMinor the protocol minor the kernel offered
 * @param minor the minor both sides use
 * @param flags the INIT flags this server answered
 * @param resend whether a successor may ask the kernel to send unanswered requests again (kernel offers
 *               FUSE_HAS_RESEND, Linux >= 6.9, and the daemon's configuration allows it)
 */
public record InitState(String device, int kernelMinor, int minor, long flags, boolean resend) {

    public String token() {
        return "dev=" + device + ",resend=" + (resend ? 1 : 0) + ",kminor=" + kernelMinor + ",minor=" + minor
                + ",flags=0x" + Long.toHexString(flags);
    }

    public InitState withDevice(String dev) {
        return new InitState(dev, kernelMinor, minor, flags, resend);
    }

    public InitState withResend(boolean allowed) {
        return new InitState(device, kernelMinor, minor, flags, resend && allowed);
    }

    /** Parses {@link #token()}; unknown keys are ignored (a newer predecessor may say more). */
    public static InitState parse(String token) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : token.trim().split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                kv.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        String dev = kv.get("dev");
        if (dev == null || !dev.matches("\\d+:\\d+")) {
            throw new IllegalArgumentException("no device (dev=major:minor) in the connection state '" + token + "'");
        }
        try {
            String flags = kv.getOrDefault("flags", "0x0");
            return new InitState(dev, Integer.parseInt(kv.getOrDefault("kminor", "0")),
                    Integer.parseInt(kv.getOrDefault("minor", "0")),
                    Long.parseUnsignedLong(flags.startsWith("0x") ? flags.substring(2) : flags, 16),
                    "1".equals(kv.get("resend")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed connection state '" + token + "'", e);
        }
    }
}
