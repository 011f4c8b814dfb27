// The SmsForwarder plugin's TypeScript interface: the same on Android (native receiver + worker) and on the
// web (manual forwarding only: a browser cannot read SMS).

export interface ForwarderConfig {
  /** The SACCO server's ingest URL, e.g. https://sacco.example.rw/ingest/sms (https only). */
  endpoint: string;
  /** The device id shown once by `ibimina device register` (dev_...). */
  deviceId: string;
  /** The device secret shown once with it; stored encrypted on the phone, never logged. */
  secret: string;
  /** Senders whose SMS are forwarded; default ["M-Money", "AirtelMoney"]. Compared on letters and digits only. */
  senders?: string[];
}

/** One SMS as the server receives it. `received_at` is the phone's local time with its offset. */
export interface ForwardedSms {
  sender: string;
  body: string;
  received_at: string;
}

export type ForwarderState = 'unconfigured' | 'idle' | 'queued' | 'retrying' | 'unauthorized';

export interface ForwarderStatus {
  state: ForwarderState;
  configured: boolean;
  deviceId?: string;
  endpoint?: string;
  senders: string[];
  /** Messages waiting to be posted. */
  queued: number;
  /** Messages the server refused as malformed (400): kept for a person to look at, not retried. */
  setAside: number;
  lastDeliveredAt?: string;
  /** e.g. "HTTP 401: check the device id, secret and the phone's clock". */
  lastError?: string;
  nextAttemptAt?: string;
}

export interface SmsPermissionStatus {
  sms: 'granted' | 'denied' | 'prompt' | 'prompt-with-rationale';
}

export interface SmsForwarderPlugin {
  /** Save the device's configuration and forward anything queued. */
  configure(options: ForwarderConfig): Promise<ForwarderStatus>;
  getStatus(): Promise<ForwarderStatus>;
  /** Post the queue now (the worker also runs by itself after each SMS and on its backoff). */
  flush(): Promise<ForwarderStatus>;
  /** Queue SMS by hand (an export pasted in, or tests); only mobile-money senders are kept. */
  forward(options: { messages: ForwardedSms[] }): Promise<ForwarderStatus>;
  /** Forget the configuration and the queue (the phone leaves the SACCO). */
  reset(): Promise<ForwarderStatus>;
  checkPermissions(): Promise<SmsPermissionStatus>;
  requestPermissions(): Promise<SmsPermissionStatus>;
}
