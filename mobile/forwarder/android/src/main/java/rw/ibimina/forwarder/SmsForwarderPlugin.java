package rw.ibimina.forwarder;

import android.Manifest;
import com.getcapacitor.JSArray;
import com.getcapacitor.JSObject;
import com.getcapacitor.PermissionState;
import com.getcapacitor.Plugin;
import com.getcapacitor.PluginCall;
import com.getcapacitor.PluginMethod;
import com.getcapacitor.annotation.CapacitorPlugin;
import com.getcapacitor.annotation.Permission;
import com.getcapacitor.annotation.PermissionCallback;
import org.json.JSONArray;
import org.json.JSONException;
import org.json.JSONObject;

/** The Capacitor bridge: configure the device, look at the queue, flush it, queue SMS by hand. */
@CapacitorPlugin(
    name = "SmsForwarder",
    permissions = {@Permission(alias = "sms", strings = {Manifest.permission.RECEIVE_SMS})}
)
public final class SmsForwarderPlugin extends Plugin {
    private ForwarderStore store() {
        return new ForwarderStore(getContext());
    }

    @PluginMethod
    public void configure(PluginCall call) {
        String endpoint = call.getString("endpoint");
        String deviceId = call.getString("deviceId");
        String secret = call.getString("secret");
        if (endpoint == null || !endpoint.startsWith("https://") || deviceId == null || secret == null) {
            call.reject("endpoint (https), deviceId and secret are required");
            return;
        }
        String[] senders = Protocol.DEFAULT_SENDERS;
        JSArray given = call.getArray("senders");
        if (given != null && given.length() > 0) {
            try {
                senders = given.<String>toList().toArray(new String[0]);
            } catch (JSONException e) {
                call.reject("senders must be a list of strings");
                return;
            }
        }
        store().saveConfig(endpoint, deviceId, secret, senders);
        ForwardWorker.schedule(getContext(), true);
        call.resolve(status());
    }

    @PluginMethod
    public void getStatus(PluginCall call) {
        call.resolve(status());
    }

    @PluginMethod
    public void flush(PluginCall call) {
        ForwardWorker.schedule(getContext(), true);
        call.resolve(status());
    }

    @PluginMethod
    public void forward(PluginCall call) {
        JSArray messages = call.getArray("messages");
        ForwarderStore store = store();
        try {
            JSONArray list = messages == null ? new JSONArray() : messages;
            for (int i = 0; i < list.length(); i++) {
                JSONObject m = list.getJSONObject(i);
                if (Protocol.isMoneySender(m.getString("sender"), store.senders())) {
                    store.add(m.getString("sender"), m.getString("body"), m.getString("received_at"));
                }
            }
        } catch (JSONException e) {
            call.reject("each message needs sender, body and received_at");
            return;
        }
        ForwardWorker.schedule(getContext(), true);
        call.resolve(status());
    }

    @PluginMethod
    public void reset(PluginCall call) {
        store().forgetAll();
        call.resolve(status());
    }

    @PluginMethod
    public void requestPermissions(PluginCall call) {
        if (getPermissionState("sms") == PermissionState.GRANTED) {
            checkPermissions(call);
        } else {
            requestPermissionForAlias("sms", call, "permissionCallback");
        }
    }

    @PermissionCallback
    private void permissionCallback(PluginCall call) {
        checkPermissions(call);
    }

    private JSObject status() {
        ForwarderStore store = store();
        JSObject out = new JSObject();
        boolean configured = store.configured();
        int queued = store.count(false);
        String error = store.noted("last_error");
        String state = !configured ? "unconfigured"
            : error != null && (error.startsWith("HTTP 401") || error.startsWith("HTTP 403")) ? "unauthorized"
            : error != null ? "retrying"
            : queued > 0 ? "queued" : "idle";
        out.put("state", state);
        out.put("configured", configured);
        out.put("deviceId", configured ? store.deviceId() : null);
        out.put("endpoint", configured ? store.endpoint() : null);
        JSArray senders = new JSArray();
        for (String sender : store.senders()) senders.put(sender);
        out.put("senders", senders);
        out.put("queued", queued);
        out.put("setAside", store.count(true));
        out.put("lastDeliveredAt", store.noted("last_delivered_at"));
        out.put("lastError", error);
        return out;
    }
}
