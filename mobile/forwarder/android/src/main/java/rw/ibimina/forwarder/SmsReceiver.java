package rw.ibimina.forwarder;

import android.content.BroadcastReceiver;
import android.content.Context;
import android.content.Intent;
import android.provider.Telephony;
import android.telephony.SmsMessage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TimeZone;

/**
 * SMS_RECEIVED: joins the parts of each multipart SMS, keeps only mobile-money senders (M-Money, AirtelMoney
 * by default; every other SMS on the phone is ignored and never leaves it), queues them and wakes the worker.
 */
public final class SmsReceiver extends BroadcastReceiver {
    @Override
    public void onReceive(Context context, Intent intent) {
        if (!Telephony.Sms.Intents.SMS_RECEIVED_ACTION.equals(intent.getAction())) return;
        SmsMessage[] parts = Telephony.Sms.Intents.getMessagesFromIntent(intent);
        if (parts == null || parts.length == 0) return;
        ForwarderStore store = new ForwarderStore(context);
        String[] senders = store.senders();
        Map<String, StringBuilder> bodies = new LinkedHashMap<>();
        Map<String, Long> times = new LinkedHashMap<>();
        for (SmsMessage part : parts) {
            String sender = part.getDisplayOriginatingAddress();
            if (!Protocol.isMoneySender(sender, senders)) continue;
            bodies.computeIfAbsent(sender, k -> new StringBuilder()).append(part.getMessageBody());
            times.putIfAbsent(sender, part.getTimestampMillis());
        }
        if (bodies.isEmpty()) return;
        for (Map.Entry<String, StringBuilder> e : bodies.entrySet()) {
            long at = times.get(e.getKey());
            int offset = TimeZone.getDefault().getOffset(at) / 1000;
            store.add(e.getKey(), e.getValue().toString(), Protocol.isoWithOffset(at, offset));
        }
        ForwardWorker.schedule(context, false);
    }
}
