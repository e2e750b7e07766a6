/** Every bound of the bench in one place: each measurement is limited in time and in count. */
export const BENCH_SETTINGS = {
  throughput: { chunkBytes: 64 * 1024, warmupMs: 1_000, durationMs: 5_000 },
  roundTrip: { warmupCount: 1_000, maxCount: 200_000, durationMs: 5_000, lossTimeoutMs: 200 },
  // Sequential connections leave TIME_WAIT sockets on the client: 25,000 stays within the default
  // ephemeral port range (32768-60999) of one client address.
  connectRate: { durationMs: 10_000, maxConnections: 25_000 },
  idleMemory: { connections: 10_000, batchSize: 500, holdMs: 15_000, settleMs: 3_000 },
  udpRate: {
    datagramBytes: 64,
    trialMs: 5_000,
    drainMs: 300,
    startRatePerSecond: 5_000,
    maxRatePerSecond: 1_000_000,
    maxTrials: 9,
  },
  fileTransfer: { sizeBytes: 2 ** 30, ncPort: 9001 },
  // Phase 1: one sender, for delivery latency; phase 2: 50 senders at once, for the delivery rate.
  // One message a second per sender stays under ngircd's per-client command throttling.
  chat: {
    members: 1_000,
    batchSize: 100,
    phases: [
      { senders: 1, messagesPerSender: 20, intervalMs: 250 },
      { senders: 50, messagesPerSender: 10, intervalMs: 1_000 },
    ],
    settleMs: 15_000,
    deadlineMs: 240_000,
  },
  // 5,000 members over 50 channels of 100, one sender in each: ngircd registers members slowly
  // (8 to 18 a second on these machines: 5,000 took 594 s on loopback), hence the longer deadline.
  chatRooms: {
    members: 5_000,
    rooms: 50,
    batchSize: 100,
    phases: [{ senders: 50, messagesPerSender: 10, intervalMs: 1_000 }],
    settleMs: 15_000,
    deadlineMs: 900_000,
  },
  /** Ports the reference tools listen on in a service's network namespace (the service has 7). */
  ports: { iperf3: 5201, socat: 7001, sockperf: 11111 },
} as const;
