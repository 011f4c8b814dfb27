package rw.ibimina.forwarder;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The wire contract with POST /ingest/sms, in plain Java (no Android classes, so the JVM tests compile it):
 * the same rules as src/protocol.js, checked against the same vectors.
 */
public final class Protocol {
    public static final int MAX_BATCH = 500;
    public static final int MAX_BATCH_BYTES = 1_000_000;
    public static final String[] DEFAULT_SENDERS = {"M-Money", "AirtelMoney"};
    public static final long BACKOFF_BASE_MS = 30_000L;
    public static final long BACKOFF_CAP_MS = 3_600_000L;
    public static final long UNAUTHORIZED_RETRY_MS = 3_600_000L;

    public enum Outcome { DELIVERED, REJECTED, UNAUTHORIZED, SPLIT, RETRY }

    /** One SMS as the server receives it. */
    public static final class Sms {
        public final long id;
        public final String sender;
        public final String body;
        public final String receivedAt;

        public Sms(long id, String sender, String body, String receivedAt) {
            this.id = id;
            this.sender = sender;
            this.body = body;
            this.receivedAt = receivedAt;
        }
    }

    private Protocol() {}

    /** Letters and digits only, lower case: "M-Money", "m money" and "MMONEY" compare equal. */
    public static String normaliseSender(String sender) {
        if (sender == null) return "";
        return sender.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    public static boolean isMoneySender(String sender, String[] allowed) {
        String wanted = normaliseSender(sender);
        if (wanted.isEmpty()) return false;
        for (String a : allowed) {
            if (normaliseSender(a).equals(wanted)) return true;
        }
        return false;
    }

    /** X-Signature: "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body bytes). */
    public static String sign(String secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            byte[] digest = mac.doFinal(body);
            StringBuilder out = new StringBuilder("sha256=");
            for (byte b : digest) out.append(String.format(Locale.ROOT, "%02x", b & 0xff));
            return out.toString();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    public static String sign(String secret, String timestamp, String body) {
        return sign(secret, timestamp, body.getBytes(StandardCharsets.UTF_8));
    }

    /** The phone's local time with its offset, e.g. 2026-10-01T10:00:05+02:00. */
    public static String isoWithOffset(long epochMillis, int offsetSeconds) {
        OffsetDateTime at = Instant.ofEpochMilli(epochMillis).atOffset(ZoneOffset.ofTotalSeconds(offsetSeconds));
        return at.format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx"));
    }

    /** {"messages":[{"sender":..,"body":..,"received_at":..}]}: byte-for-byte what JSON.stringify makes. */
    public static String encodeBatch(List<Sms> messages) {
        StringBuilder out = new StringBuilder("{\"messages\":[");
        for (int i = 0; i < messages.size(); i++) {
            if (i > 0) out.append(',');
            Sms m = messages.get(i);
            out.append("{\"sender\":").append(quote(m.sender))
                .append(",\"body\":").append(quote(m.body))
                .append(",\"received_at\":").append(quote(m.receivedAt)).append('}');
        }
        return out.append("]}").toString();
    }

    /** A JSON string literal the way JSON.stringify writes it (non-ASCII kept as UTF-8, not escaped). */
    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20 || Character.isSurrogate(c) && !validSurrogateAt(s, i)) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        return out.append('"').toString();
    }

    private static boolean validSurrogateAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** The first batch of the queue: at most maxCount messages and MAX_BATCH_BYTES bytes (never empty). */
    public static List<Sms> firstBatch(List<Sms> queued, int maxCount) {
        List<Sms> batch = new ArrayList<>();
        int size = "{\"messages\":[]}".length();
        for (Sms m : queued) {
            List<Sms> one = new ArrayList<>();
            one.add(m);
            int item = encodeBatch(one).getBytes(StandardCharsets.UTF_8).length - "{\"messages\":[]}".length() + 1;
            if (!batch.isEmpty() && (batch.size() >= maxCount || size + item > MAX_BATCH_BYTES)) break;
            batch.add(m);
            size += item;
        }
        return batch;
    }

    /** What the server's answer means for the batch (see README: 200/409 delivered, 400 rejected, 401 pause). */
    public static Outcome classify(int status) {
        if (status == 200 || status == 201 || status == 202 || status == 409) return Outcome.DELIVERED;
        if (status == 400 || status == 422) return Outcome.REJECTED;
        if (status == 401 || status == 403) return Outcome.UNAUTHORIZED;
        if (status == 413) return Outcome.SPLIT;
        return Outcome.RETRY;
    }

    /** Exponential backoff with jitter in [ceiling/2, ceiling]; `random` in [0, 1]. */
    public static long backoffDelay(int attempt, double random) {
        double ceiling = Math.min((double) BACKOFF_CAP_MS, BACKOFF_BASE_MS * Math.pow(2, Math.max(0, attempt)));
        return Math.round(ceiling / 2 + random * ceiling / 2);
    }
}
