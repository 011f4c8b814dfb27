package rw.ibimina.forwarder;

import android.content.Context;
import androidx.annotation.NonNull;
import androidx.work.BackoffPolicy;
import androidx.work.Constraints;
import androidx.work.ExistingWorkPolicy;
import androidx.work.NetworkType;
import androidx.work.OneTimeWorkRequest;
import androidx.work.WorkManager;
import androidx.work.Worker;
import androidx.work.WorkerParameters;
import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Posts the queue in signed batches of at most 500 (WorkManager: survives restarts, waits for a network).
 * 200/409 remove the batch, 400 sets it aside, 401/403 pause for an hour, 413 halves the batch, anything
 * else retries with exponential backoff from 30 s (WorkManager's own backoff, capped by it at 5 hours).
 */
public final class ForwardWorker extends Worker {
    static final String WORK = "ibimina-sms-forward";

    public ForwardWorker(@NonNull Context context, @NonNull WorkerParameters params) {
        super(context, params);
    }

    /** Run soon; `replace` (configure, manual flush) cuts a waiting backoff short, a new SMS keeps it. */
    public static void schedule(Context context, boolean replace) {
        OneTimeWorkRequest request = new OneTimeWorkRequest.Builder(ForwardWorker.class)
            .setConstraints(new Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
            .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, Protocol.BACKOFF_BASE_MS, TimeUnit.MILLISECONDS)
            .build();
        WorkManager.getInstance(context).enqueueUniqueWork(
            WORK, replace ? ExistingWorkPolicy.REPLACE : ExistingWorkPolicy.KEEP, request);
    }

    static void scheduleIn(Context context, long delayMs) {
        OneTimeWorkRequest request = new OneTimeWorkRequest.Builder(ForwardWorker.class)
            .setInitialDelay(delayMs, TimeUnit.MILLISECONDS)
            .setConstraints(new Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
            .build();
        WorkManager.getInstance(context).enqueueUniqueWork(WORK, ExistingWorkPolicy.REPLACE, request);
    }

    @NonNull
    @Override
    public Result doWork() {
        ForwarderStore store = new ForwarderStore(getApplicationContext());
        if (!store.configured()) return Result.success();
        int maxCount = Protocol.MAX_BATCH;
        while (true) {
            List<Protocol.Sms> batch = Protocol.firstBatch(store.peek(maxCount), maxCount);
            if (batch.isEmpty()) {
                store.note("last_error", null);
                return Result.success();
            }
            int status = post(store, batch);
            switch (Protocol.classify(status)) {
                case DELIVERED:
                    store.remove(batch);
                    store.note("last_delivered_at", Instant.now().toString());
                    break;
                case REJECTED:
                    store.setAside(batch, "HTTP " + status);
                    break;
                case SPLIT:
                    if (batch.size() > 1) maxCount = (batch.size() + 1) / 2;
                    else store.setAside(batch, "HTTP 413");
                    break;
                case UNAUTHORIZED:
                    store.note("last_error", "HTTP " + status + ": check the device id, the secret and the phone's clock");
                    scheduleIn(getApplicationContext(), Protocol.UNAUTHORIZED_RETRY_MS);
                    return Result.success();
                default:
                    store.note("last_error", status == 0 ? "no connection" : "HTTP " + status);
                    return Result.retry();
            }
        }
    }

    /** The HTTP status, or 0 when the server could not be reached. */
    private static int post(ForwarderStore store, List<Protocol.Sms> batch) {
        String body = Protocol.encodeBatch(batch);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String timestamp = String.valueOf(System.currentTimeMillis() / 1000);
        HttpURLConnection conn = null;
        try {
            conn = (HttpURLConnection) new URL(store.endpoint()).openConnection();
            conn.setRequestMethod("POST");
            conn.setConnectTimeout(15_000);
            conn.setReadTimeout(30_000);
            conn.setDoOutput(true);
            conn.setFixedLengthStreamingMode(bytes.length);
            conn.setRequestProperty("Content-Type", "application/json");
            conn.setRequestProperty("X-Device-Id", store.deviceId());
            conn.setRequestProperty("X-Timestamp", timestamp);
            conn.setRequestProperty("X-Signature", Protocol.sign(store.secret(), timestamp, bytes));
            try (OutputStream out = conn.getOutputStream()) {
                out.write(bytes);
            }
            return conn.getResponseCode();
        } catch (IOException e) {
            return 0;
        } finally {
            if (conn != null) conn.disconnect();
        }
    }
}
