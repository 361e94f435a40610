package io.keel.server.space;

import java.time.Duration;

/**
 * etcd's {@code --auto-compaction-mode} and {@code --auto-compaction-retention}, checked (the launcher parses them:
 * {@code io.keel.server.cli.SpaceSettings}).
 *
 * @param mode      periodic: keep the revisions of the last {@code period}; revision: keep the last
 *                  {@code revisions} revisions
 * @param period    periodic mode's retention (null in revision mode)
 * @param revisions revision mode's retention (0 in periodic mode)
 */
public record AutoCompaction(Mode mode, Duration period, long revisions) {
    public enum Mode { PERIODIC, REVISION }

    /** Auto-compaction off (etcd's default retention "0"). */
    public static final AutoCompaction OFF = new AutoCompaction(Mode.PERIODIC, Duration.ZERO, 0);

    public boolean enabled() {
        return mode == Mode.PERIODIC ? period.compareTo(Duration.ZERO) > 0 : revisions > 0;
    }
}
