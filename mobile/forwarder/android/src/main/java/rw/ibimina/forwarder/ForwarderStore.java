package rw.ibimina.forwarder;

import android.content.ContentValues;
import android.content.Context;
import android.content.SharedPreferences;
import android.database.Cursor;
import android.database.sqlite.SQLiteDatabase;
import android.database.sqlite.SQLiteOpenHelper;
import androidx.security.crypto.EncryptedSharedPreferences;
import androidx.security.crypto.MasterKey;
import java.util.ArrayList;
import java.util.List;

/**
 * The device's configuration (secret in EncryptedSharedPreferences, keyed by the Android Keystore) and the
 * SMS queue (SQLite, so nothing is lost when the phone restarts or the network is down for days).
 */
public final class ForwarderStore extends SQLiteOpenHelper {
    private static final String DB = "ibimina_forwarder.db";
    private static final String PREFS = "ibimina_forwarder";
    private final Context context;

    public ForwarderStore(Context context) {
        super(context.getApplicationContext(), DB, null, 1);
        this.context = context.getApplicationContext();
    }

    @Override
    public void onCreate(SQLiteDatabase db) {
        db.execSQL("CREATE TABLE queue (id INTEGER PRIMARY KEY AUTOINCREMENT, sender TEXT NOT NULL, "
            + "body TEXT NOT NULL, received_at TEXT NOT NULL, aside_reason TEXT)");
    }

    @Override
    public void onUpgrade(SQLiteDatabase db, int oldVersion, int newVersion) {}

    // --- configuration -------------------------------------------------------------------------------

    public SharedPreferences prefs() {
        try {
            MasterKey key = new MasterKey.Builder(context).setKeyScheme(MasterKey.KeyScheme.AES256_GCM).build();
            return EncryptedSharedPreferences.create(context, PREFS, key,
                EncryptedSharedPreferences.PrefKeyEncryptionScheme.AES256_SIV,
                EncryptedSharedPreferences.PrefValueEncryptionScheme.AES256_GCM);
        } catch (Exception e) {
            throw new IllegalStateException("cannot open the forwarder's encrypted settings", e);
        }
    }

    public void saveConfig(String endpoint, String deviceId, String secret, String[] senders) {
        prefs().edit()
            .putString("endpoint", endpoint)
            .putString("device_id", deviceId)
            .putString("secret", secret)
            .putString("senders", String.join("\n", senders))
            .remove("last_error")
            .apply();
    }

    public boolean configured() {
        SharedPreferences p = prefs();
        return p.contains("endpoint") && p.contains("device_id") && p.contains("secret");
    }

    public String endpoint() { return prefs().getString("endpoint", null); }

    public String deviceId() { return prefs().getString("device_id", null); }

    public String secret() { return prefs().getString("secret", null); }

    public String[] senders() {
        String saved = prefs().getString("senders", null);
        return saved == null || saved.isEmpty() ? Protocol.DEFAULT_SENDERS : saved.split("\n");
    }

    public void note(String key, String value) {
        if (value == null) prefs().edit().remove(key).apply();
        else prefs().edit().putString(key, value).apply();
    }

    public String noted(String key) { return prefs().getString(key, null); }

    public void forgetAll() {
        prefs().edit().clear().apply();
        getWritableDatabase().delete("queue", null, null);
    }

    // --- queue ---------------------------------------------------------------------------------------

    public void add(String sender, String body, String receivedAt) {
        ContentValues row = new ContentValues();
        row.put("sender", sender);
        row.put("body", body);
        row.put("received_at", receivedAt);
        getWritableDatabase().insert("queue", null, row);
    }

    /** The oldest waiting messages (not set aside), at most `limit`. */
    public List<Protocol.Sms> peek(int limit) {
        List<Protocol.Sms> out = new ArrayList<>();
        try (Cursor c = getReadableDatabase().query("queue", new String[] {"id", "sender", "body", "received_at"},
                "aside_reason IS NULL", null, null, null, "id", String.valueOf(limit))) {
            while (c.moveToNext()) out.add(new Protocol.Sms(c.getLong(0), c.getString(1), c.getString(2), c.getString(3)));
        }
        return out;
    }

    public void remove(List<Protocol.Sms> batch) {
        SQLiteDatabase db = getWritableDatabase();
        db.beginTransaction();
        try {
            for (Protocol.Sms m : batch) db.delete("queue", "id = ?", new String[] {String.valueOf(m.id)});
            db.setTransactionSuccessful();
        } finally {
            db.endTransaction();
        }
    }

    public void setAside(List<Protocol.Sms> batch, String reason) {
        SQLiteDatabase db = getWritableDatabase();
        ContentValues v = new ContentValues();
        v.put("aside_reason", reason);
        db.beginTransaction();
        try {
            for (Protocol.Sms m : batch) db.update("queue", v, "id = ?", new String[] {String.valueOf(m.id)});
            db.setTransactionSuccessful();
        } finally {
            db.endTransaction();
        }
    }

    public int count(boolean aside) {
        try (Cursor c = getReadableDatabase().rawQuery(
                "SELECT COUNT(*) FROM queue WHERE aside_reason IS " + (aside ? "NOT NULL" : "NULL"), null)) {
            return c.moveToFirst() ? c.getInt(0) : 0;
        }
    }
}
