package rw.ibimina.forwarder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Checks Protocol against the shared vectors on a plain JVM (tests/unit/mobile/test_forwarder_java.py compiles
 * and runs it with javac). Input: one vector per line, tab-separated base64 fields:
 * name, secret, timestamp, body, signature, messages ("-" or sender,body,received_at triples joined by ';').
 */
public final class ProtocolVectors {
    private static String text(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        int failures = 0;
        int checked = 0;
        for (String line : Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8)) {
            if (line.isEmpty()) continue;
            String[] f = line.split("\t", -1);
            String name = text(f[0]);
            String body = text(f[3]);
            String expected = text(f[4]);
            String got = Protocol.sign(text(f[1]), text(f[2]), body.getBytes(StandardCharsets.UTF_8));
            checked++;
            if (!got.equals(expected)) {
                failures++;
                System.out.println("FAIL signature: " + name + " got " + got);
            }
            if (!f[5].equals("-")) {
                List<Protocol.Sms> messages = new ArrayList<>();
                for (String triple : f[5].split(";")) {
                    String[] p = triple.split(",");
                    messages.add(new Protocol.Sms(messages.size(), text(p[0]), text(p[1]), text(p[2])));
                }
                checked++;
                if (!Protocol.encodeBatch(messages).equals(body)) {
                    failures++;
                    System.out.println("FAIL encodeBatch: " + name + " got " + Protocol.encodeBatch(messages));
                }
            }
        }
        checked += 5;
        if (!Protocol.isMoneySender("M-Money", Protocol.DEFAULT_SENDERS)) failures++;
        if (!Protocol.isMoneySender("Airtel Money", Protocol.DEFAULT_SENDERS)) failures++;
        if (Protocol.isMoneySender("MTN", Protocol.DEFAULT_SENDERS)) failures++;
        if (Protocol.classify(409) != Protocol.Outcome.DELIVERED || Protocol.classify(400) != Protocol.Outcome.REJECTED) failures++;
        if (!Protocol.isoWithOffset(1_790_000_000_000L, 7200).equals("2026-09-21T16:13:20+02:00")) {
            failures++;
            System.out.println("FAIL isoWithOffset: " + Protocol.isoWithOffset(1_790_000_000_000L, 7200));
        }
        System.out.println("checked " + checked + ", failures " + failures);
        System.exit(failures == 0 ? 0 : 1);
    }
}
