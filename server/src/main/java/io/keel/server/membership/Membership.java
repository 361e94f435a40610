package io.keel.server.membership;

import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfChangeSingle;
import io.keel.raft.proto.ConfChangeType;
import io.keel.server.ProposalRefusedException;
import io.keel.server.RequestTimeoutException;
import io.keel.server.concurrent.Futures;
import io.keel.server.member.Member;
import io.keel.server.proto.ClientOp;
import io.keel.server.proto.MemberAttributesOp;
import io.keel.server.proto.MemberPeerUrlsOp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runtime membership changes (etcd's Cluster service) and this member's announcement of its name and client URLs
 * (and, through {@link IncarnationPublisher}, of its data directory's incarnation).
 *
 * <p>Adding, promoting and removing are Raft membership changes proposed at the leader (a follower refuses them with
 * {@link io.keel.server.NotLeaderException}; etcd's Cluster service forwards them to the leader first); each call
 * returns once this member has applied the change, with the member list after it. A new member may be added as a
 * learner (the advice: it joins the quorum by {@link #promote} once it caught up) or, as etcd allows, directly as a
 * voter. Peer URL updates and announcements are normal entries (a follower forwards them).
 *
 * <p>The changes run one at a time through this object, each from its checks to its application here, so a check
 * never judges a directory that a change it let through is about to alter; with {@link #strictReconfigCheck} on
 * (the default, as etcd's --strict-reconfig-check) the checks include {@link StrictReconfigCheck}'s.
 */
public final class Membership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);
    /** etcd's default --max-learners. */
    public static final int MAX_LEARNERS = 1;

    private final Member member;
    private final Duration requestTimeout;
    private final String name;
    private final SecureRandom random = new SecureRandom();
    private final ScheduledExecutorService announcer;
    private final Object changes = new Object(); // one membership change at a time, from its checks to its apply
    private volatile boolean strictReconfigCheck = true;
    private volatile List<String> clientUrls;
    private volatile boolean clientUrlsFixed;
    private CompletableFuture<?> announcing; // announcer thread
    private final CompletableFuture<Void> announced = new CompletableFuture<>();
    private final CompletableFuture<String> removed = new CompletableFuture<>();
    /** Announcer thread only: the "still leads" line of a removed leader is logged once. */
    private boolean removalWaitLogged;
    private boolean removalNoticed; // announcer thread

    /**
     * @param advertisedClientUrls the client URLs to announce, or null to announce those of the client API once it
     *                             starts ({@link #announceServedAt})
     */
    public Membership(Member member, String name, List<String> advertisedClientUrls, Duration requestTimeout) {
        this.member = member;
        this.name = Objects.requireNonNull(name);
        this.requestTimeout = requestTimeout;
        this.clientUrls = advertisedClientUrls == null ? List.of() : List.copyOf(advertisedClientUrls);
        this.clientUrlsFixed = advertisedClientUrls != null;
        this.announcer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keel-announce-" + Long.toHexString(member.id()));
            t.setDaemon(true);
            return t;
        });
        IncarnationPublisher incarnation = new IncarnationPublisher(member);
        announcer.scheduleWithFixedDelay(() -> {
            if (noticeRemoval()) return;
            announceIfNeeded();
            incarnation.run();
        }, 0, 100, TimeUnit.MILLISECONDS);
    }

    /** The members as this member has applied them (a serializable view, like etcd's MemberList). */
    public List<MemberInfo> list() {
        return member.directory().members();
    }

    /**
     * Completes, with the reason, once this member knows the cluster removed it: it applied its own removal (also
     * found at a restart), or a peer refused it as removed (the usual way: once the leader applied the removal it
     * sends the removed member nothing more, not even the commit index). A removed member can never serve again
     * under its id; the launcher stops on it (etcd's member stops itself too).
     */
    public CompletableFuture<String> removed() {
        return removed;
    }

    /**
     * Completes once this member has applied its own announcement: its directory entry carries its name and client
     * URLs (at once after a restart that changed neither). etcd says "published" at the same point, and a client
     * that lists the members then finds this member's client URLs.
     */
    public CompletableFuture<Void> announced() {
        return announced;
    }

    /** This member's entry in its own directory, or null (not yet caught up, or removed). */
    public MemberInfo self() {
        return member.directory().get(member.id());
    }

    /**
     * The client API serves at {@code url}: announce it, unless the member was given client URLs to advertise
     * ({@code Keel.Builder.advertiseClientUrls}).
     */
    public void announceServedAt(String url) {
        if (!clientUrlsFixed) clientUrls = List.of(url);
    }

    /**
     * etcd's --strict-reconfig-check (default on): refuse a change that would leave fewer started members than a
     * quorum, or that the leader cannot be sure a quorum of reachable voters survives ({@link StrictReconfigCheck}).
     */
    public void strictReconfigCheck(boolean on) {
        this.strictReconfigCheck = on;
    }

    /**
     * etcd's MemberAdd: returns the new member, with the id it must start with. A learner (the advice) receives the
     * log without voting until promoted; a voter counts in the quorum at once, even before it has started.
     */
    public MemberInfo add(List<String> peerUrls, boolean learner) {
        checkUrls(peerUrls);
        synchronized (changes) {
            long[] id = new long[1];
            MemberInfo[] added = new MemberInfo[1];
            change(() -> {
                MemberDirectory d = member.directory();
                strictCheck(() -> StrictReconfigCheck.mayAdd(d, learner, activeMembers()),
                        "adding a " + (learner ? "learner" : "voter"));
                MemberInfo owner = d.peerUrlOwner(peerUrls, 0);
                if (owner != null) {
                    throw new MembershipException(MembershipException.Reason.PEER_URL_EXISTS, "etcdserver: Peer URLs "
                            + "already exists (member " + Long.toHexString(owner.id()) + " has " + owner.peerUrls()
                            + ")");
                }
                if (learner && d.learners() >= MAX_LEARNERS) {
                    throw new MembershipException(MembershipException.Reason.TOO_MANY_LEARNERS,
                            "etcdserver: too many learner members in cluster");
                }
                id[0] = newId(d, peerUrls);
                added[0] = new MemberInfo(id[0], "", peerUrls, List.of(), learner);
                return ConfChange.newBuilder()
                        .addChanges(single(learner ? ConfChangeType.ADD_LEARNER : ConfChangeType.ADD_VOTER, id[0]))
                        .setContext(MemberDirectory.context(added[0])).build();
            }, () -> "add " + added[0]);
            MemberInfo now = member.directory().get(id[0]);
            return now != null ? now : added[0];
        }
    }

    /** etcd's MemberRemove; removing the leader hands leadership to another voter. */
    public List<MemberInfo> remove(long id) {
        synchronized (changes) {
            change(() -> {
                MemberDirectory d = member.directory();
                strictCheck(() -> StrictReconfigCheck.mayRemove(d, id, member.id(), activeMembers()),
                        "removing member " + Long.toHexString(id));
                requireMember(id);
                return ConfChange.newBuilder().addChanges(single(ConfChangeType.REMOVE_MEMBER, id)).build();
            }, () -> "remove " + Long.toHexString(id));
            return list();
        }
    }

    /** etcd's MemberPromote: a learner that has caught up with the leader's log becomes a voter. */
    public List<MemberInfo> promote(long id) {
        synchronized (changes) {
            change(() -> {
                MemberInfo m = requireMember(id);
                if (!m.learner()) {
                    throw new MembershipException(MembershipException.Reason.NOT_LEARNER,
                            "etcdserver: can only promote a learner member");
                }
                // A voter's peers hold it to the data directory it joined with only once that is recorded; until
                // the learner has published it, a wipe would go unnoticed by members that restart, so it may not
                // vote yet.
                if (m.incarnation() == 0) {
                    throw new MembershipException(MembershipException.Reason.LEARNER_NOT_READY,
                            "etcdserver: can only promote a learner member which is in sync with leader (member "
                                    + Long.toHexString(id) + " has not published its data directory's incarnation"
                                    + " yet)");
                }
                strictCheck(() -> StrictReconfigCheck.mayPromote(member.directory()),
                        "promoting member " + Long.toHexString(id));
                return ConfChange.newBuilder().addChanges(single(ConfChangeType.ADD_VOTER, id)).build();
            }, () -> "promote " + Long.toHexString(id));
            return list();
        }
    }

    /** etcd's MemberUpdate: the member's new peer URLs (restart it at them). */
    public List<MemberInfo> updatePeerUrls(long id, List<String> peerUrls) {
        checkUrls(peerUrls);
        synchronized (changes) {
            requireMember(id);
            MemberInfo owner = member.directory().peerUrlOwner(peerUrls, id);
            if (owner != null) {
                throw new MembershipException(MembershipException.Reason.PEER_URL_EXISTS, "etcdserver: Peer URLs "
                        + "already exists (member " + Long.toHexString(owner.id()) + " has " + owner.peerUrls()
                        + ")");
            }
            ClientOp op = ClientOp.newBuilder().setMemberPeerUrls(MemberPeerUrlsOp.newBuilder().setId(id)
                    .addAllPeerUrls(peerUrls)).build();
            await(member.proposeData(op.toByteString()));
            return list();
        }
    }

    /**
     * Waits, at most {@code max}, until this member has applied everything committed now (a linearizable read's
     * barrier): after a change the leader made, this member's {@link #list} shows it. False if it could not tell
     * in time (no leader, or this member was the one removed).
     */
    public boolean catchUp(Duration max) {
        try {
            member.read(store -> Boolean.TRUE).get(max.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() {
        announcer.shutdownNow();
    }

    // ------------------------------------------------------------------ helpers

    private MemberInfo requireMember(long id) {
        MemberInfo m = member.directory().get(id);
        if (m == null) {
            throw new MembershipException(MembershipException.Reason.MEMBER_NOT_FOUND, "etcdserver: member not found");
        }
        return m;
    }

    private static void checkUrls(List<String> urls) {
        if (!PeerUrls.valid(urls)) {
            throw new MembershipException(MembershipException.Reason.BAD_URLS,
                    "etcdserver: given member URLs are invalid");
        }
    }

    /**
     * The id etcd would give this member (its peer URLs and the time, {@link EtcdIds#addedMember}); only if that one
     * is taken or was removed (the same URLs added twice within a second), a random one instead of etcd's refusal.
     */
    private long newId(MemberDirectory d, List<String> peerUrls) {
        long etcd = EtcdIds.addedMember(peerUrls, System.currentTimeMillis() / 1000);
        if (etcd != 0 && d.get(etcd) == null && !d.isRemoved(etcd)) return etcd;
        while (true) {
            long id = random.nextLong();
            if (id != 0 && d.get(id) == null && !d.isRemoved(id)) return id;
        }
    }

    /**
     * Runs a {@link StrictReconfigCheck}: its refusal stands with the check on; with it off the change goes ahead,
     * and a line says what the check would have refused (the operator chose this, the log should show it).
     */
    private void strictCheck(Runnable check, String what) {
        if (strictReconfigCheck) {
            check.run();
            return;
        }
        try {
            check.run();
        } catch (MembershipException e) {
            LOG.warn("member {}: --strict-reconfig-check is off: {} goes ahead although the check refuses it: {}",
                    Long.toHexString(member.id()), what, e.getMessage());
        }
    }

    /** At the leader: the members it heard from within an election timeout (itself included). */
    private java.util.Set<Long> activeMembers() {
        return await(member.membersHeardWithin(member.electionTimeout()));
    }

    private static ConfChangeSingle single(ConfChangeType type, long id) {
        return ConfChangeSingle.newBuilder().setType(type).setMemberId(id).build();
    }

    /**
     * Proposes the membership change that {@code checkedChange} makes (after its checks) and waits until it is
     * applied here. While an earlier change is still being applied (Raft takes one at a time), waits and runs the
     * checks again on the directory as it is then, until the request timeout: the earlier change may be the one
     * that makes this one wrong.
     */
    private void change(java.util.function.Supplier<ConfChange> checkedChange,
                        java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        while (true) {
            ConfChange change = checkedChange.get();
            try {
                await(member.proposeConfChange(change), deadline);
                LOG.info("member {}: membership change applied: {}", Long.toHexString(member.id()), what.get());
                return;
            } catch (ProposalRefusedException e) {
                String message = String.valueOf(e.getMessage());
                if (e.reason() == ProposalRefusedException.Reason.CONF_CHANGE_PENDING
                        && System.nanoTime() - deadline < 0) {
                    sleepBriefly();
                    continue;
                }
                if (e.reason() == ProposalRefusedException.Reason.INVALID_CONF_CHANGE) {
                    MemberInfo target = change.getChangesCount() == 1
                            ? member.directory().get(change.getChanges(0).getMemberId()) : null;
                    boolean promotion = target != null && target.learner()
                            && change.getChanges(0).getType() == ConfChangeType.ADD_VOTER;
                    if (promotion) {
                        throw new MembershipException(MembershipException.Reason.LEARNER_NOT_READY,
                                "etcdserver: can only promote a learner member which is in sync with leader");
                    }
                    throw new MembershipException(MembershipException.Reason.REFUSED, "keel: " + message);
                }
                throw e;
            }
        }
    }

    private static void sleepBriefly() {
        try {
            TimeUnit.MILLISECONDS.sleep(20);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new RequestTimeoutException("interrupted while waiting for a membership change");
        }
    }

    private <T> T await(CompletableFuture<T> f) {
        return await(f, System.nanoTime() + requestTimeout.toNanos());
    }

    private <T> T await(CompletableFuture<T> f, long deadline) {
        try {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new RequestTimeoutException("no answer within " + requestTimeout.toMillis() + " ms; the change may"
                    + " still apply");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestTimeoutException("interrupted while waiting for a membership change");
        } catch (ExecutionException e) {
            Throwable cause = Futures.unwrap(e);
            if (cause instanceof RuntimeException r) throw r;
            throw new IllegalStateException(cause);
        }
    }

    /** Announcer thread: whether this member is removed (completing {@link #removed} the first time). */
    private boolean noticeRemoval() {
        if (removalNoticed) return true;
        String self = Long.toHexString(member.id());
        String how;
        if (member.directory().isRemoved(member.id())) {
            how = "its own log records the removal";
        } else {
            String notice = member.removedNotice();
            if (notice == null) return false;
            how = "a peer refused it as removed: " + notice;
        }
        String why = "member " + self + " was removed from cluster " + Long.toHexString(member.clusterId()) + " ("
                + how + "); its data directory cannot serve again: wipe it and add the machine back as a new"
                + " member (etcdctl member add) to reuse it";
        LOG.warn(why);
        removalNoticed = true;
        // As etcd's stopWithDelay: the answer to the MemberRemove that removed this member, and a removed leader's
        // hand-over to the next one, get an election timeout (at least a second) to go out first.
        long delay = Math.max(1000, member.electionTimeout().toMillis());
        long giveUpAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(60_000, 30 * delay));
        announcer.schedule(() -> stopOnceHandedOver(why, delay, giveUpAt), delay, TimeUnit.MILLISECONDS);
        return true;
    }

    /**
     * Announcer thread: completes {@link #removed} unless this member still leads. A removed leader hands over only
     * once a majority of the voters that remain has the change that removed it (raft-core's
     * {@code maybeHandOffAfterRemoval}); a voter added just before may still be empty, and it refuses every vote
     * until a leader brings it that change. Stopping the removed leader before then would leave nobody able to
     * lead, so it stops only once it no longer leads (checked every {@code delay} ms); SIGTERM still stops it.
     * The wait is bounded (a minute, or 30 checks): a removed leader cut off from the others for that long helps
     * nobody by running on, and must not stay in the cluster page as a leader for good.
     */
    private void stopOnceHandedOver(String why, long delay, long giveUpAt) {
        if (member.state().role() != io.keel.raft.Role.LEADER) {
            removed.complete(why);
            return;
        }
        if (aMajorityOfTheRemainingVotersAppliedTheRemoval()) {
            LOG.warn("member {} was removed and still leads, but a majority of the remaining voters applied its"
                    + " removal and refuse it: they elect a leader among themselves; it stops",
                    Long.toHexString(member.id()));
            removed.complete(why);
            return;
        }
        if (System.nanoTime() - giveUpAt > 0) {
            LOG.warn("member {} was removed and could not hand leadership over in time: it stops anyway; if the"
                    + " remaining voters elect no leader, see docs/operations.md, \"Removing the leader\"",
                    Long.toHexString(member.id()));
            removed.complete(why);
            return;
        }
        if (!removalWaitLogged) {
            removalWaitLogged = true;
            LOG.warn("member {} was removed but still leads: it stops once a remaining voter has the change and takes"
                    + " over", Long.toHexString(member.id()));
        }
        announcer.schedule(() -> stopOnceHandedOver(why, delay, giveUpAt), delay, TimeUnit.MILLISECONDS);
    }

    /**
     * Whether a majority of the voters that remain refused this member as removed. A peer refuses it so only once
     * it applied the removal, so it has the new configuration and may vote in it: that majority can elect a leader
     * without this one, which is exactly what raft-core waits for before handing over (thesis 4.2.2). It matters
     * when the hand-over itself cannot happen: the survivors stop talking to a removed member as soon as they apply
     * its removal, so it may never hear the commit reports it waits for, nor the term of the leader they elected
     * (found by MembershipTest.aRemovedLeaderRunsOnUntilItHasHandedOver: it ran on for its whole minute; the test
     * that takes this path alone, and fails without it, is MembershipTest's
     * aRemovedLeaderThatCannotHandOverStopsOnceAMajorityOfTheRemainingVotersRefusedIt).
     */
    private boolean aMajorityOfTheRemainingVotersAppliedTheRemoval() {
        java.util.Set<Long> applied = member.peersThatAppliedOurRemoval();
        List<Long> voters = member.directory().members().stream().filter(m -> !m.learner()).map(MemberInfo::id)
                .toList();
        long refusing = voters.stream().filter(applied::contains).count();
        return !voters.isEmpty() && refusing > voters.size() / 2;
    }

    /**
     * Announcer thread: once this member is in its own directory and its name or client URLs there differ from
     * its own, proposes them (one proposal at a time, again until the directory shows them).
     */
    private void announceIfNeeded() {
        try {
            if (announcing != null && !announcing.isDone()) return;
            MemberInfo me = self();
            List<String> urls = clientUrls;
            if (me == null) return;
            if (me.name().equals(name) && me.clientUrls().equals(urls)) {
                if (!urls.isEmpty()) announced.complete(null);
                return;
            }
            ClientOp op = ClientOp.newBuilder().setMemberAttributes(MemberAttributesOp.newBuilder()
                    .setId(member.id()).setName(name).addAllClientUrls(urls)).build();
            announcing = member.proposeData(op.toByteString());
            // Checked again as soon as it applied, not at the next round.
            announcing.whenComplete((applied, failed) -> {
                if (!announcer.isShutdown()) announcer.execute(this::announceIfNeeded);
            });
        } catch (RuntimeException e) {
            // Stopped, or no leader yet: the next round tries again.
            LOG.debug("member {} could not announce itself yet: {}", Long.toHexString(member.id()), e.toString());
        }
    }
}
