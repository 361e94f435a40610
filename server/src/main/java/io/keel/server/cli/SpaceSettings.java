package io.keel.server.cli;

import io.keel.server.space.AutoCompaction;
import io.keel.server.space.SpaceQuota;

import java.time.Duration;
import java.util.Locale;

/**
 * The launcher's space and consistency settings (issue 14), checked: etcd's {@code --quota-backend-bytes},
 * {@code --auto-compaction-mode}, {@code --auto-compaction-retention} and {@code --experimental-corrupt-check-time}.
 *
 * @param quotaBytes        the space quota in bytes (etcd's default, 2 GiB, when the flag is 0)
 * @param autoCompaction    what auto-compaction keeps ({@link AutoCompaction#OFF} by default, as etcd)
 * @param corruptCheckEvery how often the leader compares its members' hashes; {@link Duration#ZERO}: never
 */
record SpaceSettings(long quotaBytes, AutoCompaction autoCompaction, Duration corruptCheckEvery,
                     boolean initialCorruptCheck) {
    static final SpaceSettings DEFAULTS = new SpaceSettings(SpaceQuota.DEFAULT_BYTES, AutoCompaction.OFF,
            Duration.ZERO, false);

    static SpaceSettings of(KeelCommand f) {
        long quota = quota(f.quotaBackendBytes);
        AutoCompaction compaction = autoCompaction(f.autoCompactionMode, f.autoCompactionRetention);
        String check = f.corruptCheckTime.trim();
        Duration corruptCheck = check.equals("0") || check.equals("0s") ? Duration.ZERO
                : MemberSettings.goDuration("--experimental-corrupt-check-time", check);
        return new SpaceSettings(quota, compaction, corruptCheck, f.initialCorruptCheck);
    }

    private static long quota(String text) {
        long bytes;
        try {
            bytes = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw LaunchException.usage("--quota-backend-bytes '" + text + "': expected a number of bytes");
        }
        // etcd turns the quota off when it is negative; Keel refuses that: a store without a bound fills its disk.
        if (bytes < 0) {
            throw LaunchException.usage("--quota-backend-bytes " + bytes + ": expected a positive number of bytes,"
                    + " or 0 for etcd's default (2 GiB)");
        }
        return bytes == 0 ? SpaceQuota.DEFAULT_BYTES : bytes;
    }

    /**
     * As etcd reads them: periodic retention is a Go duration ("30m", "1h30m") or a whole number of hours ("1");
     * revision retention a whole number of revisions. "0" turns auto-compaction off (etcd's default).
     */
    static AutoCompaction autoCompaction(String modeText, String retentionText) {
        AutoCompaction.Mode mode = switch (modeText.trim().toLowerCase(Locale.ROOT)) {
            case "periodic" -> AutoCompaction.Mode.PERIODIC;
            case "revision" -> AutoCompaction.Mode.REVISION;
            default -> throw LaunchException.usage("--auto-compaction-mode '" + modeText
                    + "': expected periodic or revision");
        };
        String r = retentionText.trim();
        boolean whole = r.matches("\\d{1,18}");
        if (mode == AutoCompaction.Mode.REVISION) {
            if (!whole) {
                throw LaunchException.usage("--auto-compaction-retention '" + retentionText + "': in revision mode,"
                        + " expected a whole number of revisions to keep (0: off)");
            }
            return new AutoCompaction(mode, null, Long.parseLong(r));
        }
        if (whole) {
            long hours = Long.parseLong(r);
            if (hours > 1_000_000) {
                throw LaunchException.usage("--auto-compaction-retention '" + retentionText + "': too many hours");
            }
            return new AutoCompaction(mode, Duration.ofHours(hours), 0);
        }
        if (!r.matches("[0-9.]+(ms|s|m|h)([0-9.]+(ms|s|m|h))*")) {
            throw LaunchException.usage("--auto-compaction-retention '" + retentionText + "': expected a duration"
                    + " such as 30m or 1h, or a whole number of hours (0: off)");
        }
        return new AutoCompaction(mode, MemberSettings.goDuration("--auto-compaction-retention", r), 0);
    }
}
