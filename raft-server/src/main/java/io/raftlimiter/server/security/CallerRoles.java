package io.raftlimiter.server.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.peer.v1.ForwarderGrpc;
import io.raftlimiter.api.peer.v1.NodeProbeGrpc;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.SubjectPatterns;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may make a call on the client port. Most calls are open to any client the transport
 * admitted (with TLS and {@code security.client-auth=require}, one with a certificate of the
 * cluster's authority). Two roles guard the rest, before the request is read, so a refused call
 * changes nothing:
 * <ul>
 *   <li>{@link Role#ADMIN} (calls that change the cluster): the admin token of
 *       {@code security.admin-token-file} as {@code authorization: Bearer <token>}, or a client
 *       certificate whose subject is in {@code security.admin-subjects}. With neither setting
 *       and no TLS, admin calls are open, as they were before roles existed.
 *   <li>{@link Role#NODE} (calls only nodes make: forwarding ops into a group's log, and the
 *       control plane's probe of what a node hosts): a certificate whose subject is in
 *       {@code security.node-subjects}. Without TLS there is no
 *       way to tell a node, and these calls stay open.
 * </ul>
 * A call that presents nothing ends {@code UNAUTHENTICATED}; one that presents a wrong token or
 * a certificate without the role ends {@code PERMISSION_DENIED}. If the token file cannot be
 * read, token holders are refused (never let in).
 *
 * <p>Every other call made with a client certificate runs with its subject attached
 * ({@link CallerSubject}); an admitted admin call runs with who it came from attached
 * ({@link AdminCaller}), for the audit log.
 */
public final class CallerRoles implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(CallerRoles.class);

  public enum Role { ADMIN, NODE }

  private final Map<String, Role> guarded;
  private final AdminTokenFile token;
  private final SubjectPatterns adminSubjects;
  private final SubjectPatterns nodeSubjects;
  private final boolean tls;

  /**
   * @param guarded full gRPC method names ({@code package.Service/Method}) and the role each
   *     needs; others are open
   * @param token null when no token file is set
   * @param tls whether the port runs TLS (only then do certificates grant roles)
   */
  public CallerRoles(Map<String, Role> guarded, AdminTokenFile token,
      SubjectPatterns adminSubjects, SubjectPatterns nodeSubjects, boolean tls) {
    this.guarded = Map.copyOf(guarded);
    this.token = token;
    this.adminSubjects = adminSubjects;
    this.nodeSubjects = nodeSubjects;
    this.tls = tls;
    if (tls && token == null && adminSubjects.isEmpty()) {
      LOG.warn("TLS is on, but neither security.admin-subjects nor security.admin-token-file is "
          + "set: no caller can have the admin role, so rules cannot change and no node can be "
          + "drained through this node");
    }
  }

  /**
   * The roles of a node's client port: the calls that change the cluster need the admin role,
   * forwarding and the control plane's probe need a node's certificate; decisions carry their
   * caller's certificate subject, which scopes their request ids.
   *
   * @param tls whether the port runs TLS
   */
  public static CallerRoles forClientPort(NodeConfig config, boolean tls) {
    Path tokenFile = config.get(NodeConfigKeys.ADMIN_TOKEN_FILE);
    return new CallerRoles(Map.of(
        NodeAdminGrpc.getSetLimitMethod().getFullMethodName(), Role.ADMIN,
        NodeAdminGrpc.getRemoveLimitMethod().getFullMethodName(), Role.ADMIN,
        NodeAdminGrpc.getDrainMethod().getFullMethodName(), Role.ADMIN,
        NodeAdminGrpc.getReplaceLimitsMethod().getFullMethodName(), Role.ADMIN,
        NodeAdminGrpc.getResetBucketMethod().getFullMethodName(), Role.ADMIN,
        ForwarderGrpc.getForwardMethod().getFullMethodName(), Role.NODE,
        NodeProbeGrpc.getProbeMethod().getFullMethodName(), Role.NODE),
        tokenFile == null ? null : new AdminTokenFile(tokenFile),
        SubjectPatterns.parse(config.get(NodeConfigKeys.ADMIN_SUBJECTS)),
        SubjectPatterns.parse(config.get(NodeConfigKeys.NODE_SUBJECTS)), tls);
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    Role role = guarded.get(call.getMethodDescriptor().getFullMethodName());
    X500Principal subject = tls ? subject(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))
        : null;
    if (role == null) {
      return subject == null ? next.startCall(call, headers)
          : Contexts.interceptCall(Context.current().withValue(CallerSubject.KEY,
              subject.getName()), call, headers, next);
    }
    Status refusal = role == Role.ADMIN ? adminRefusal(AdminTokenFile.presented(headers), subject)
        : nodeRefusal(subject);
    if (refusal != null) {
      call.close(refusal, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (role == Role.ADMIN) {
      return Contexts.interceptCall(Context.current().withValue(AdminCaller.KEY,
          admittedAs(subject, AdminTokenFile.presented(headers) != null,
              call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR))), call, headers, next);
    }
    return next.startCall(call, headers);
  }

  /** Who an admitted admin call came from, as the audit log names it. */
  private String admittedAs(X500Principal subject, boolean sentToken, SocketAddress from) {
    String who = subject != null && adminSubjects.matches(subject) ? "certificate " + subject
        : sentToken && token != null ? "admin token"
        : "anyone (admin calls are open: no TLS and no admin token file)";
    return who + " from " + from;
  }

  /** Why a caller with this token and certificate may not change the cluster; null if it may. */
  private Status adminRefusal(String presentedToken, X500Principal subject) {
    if (token == null && !tls) {
      return null;
    }
    if (subject != null && adminSubjects.matches(subject)) {
      return null;
    }
    if (presentedToken != null && token != null) {
      try {
        return token.matches(presentedToken) ? null
            : Status.PERMISSION_DENIED.withDescription("the admin token does not match");
      } catch (IOException e) {
        LOG.error("cannot read the admin token file {}: {}", token.file(), e.toString());
        return Status.PERMISSION_DENIED.withDescription(
            "this node cannot read its admin token file; token holders are refused until it can");
      }
    }
    if (subject != null) {
      return Status.PERMISSION_DENIED.withDescription("this call changes the cluster and needs "
          + "the admin role; the certificate subject " + subject + " is not in "
          + "security.admin-subjects" + (token != null ? ", and no admin token was sent" : ""));
    }
    if (presentedToken != null) {
      return Status.PERMISSION_DENIED.withDescription(
          "this node takes no admin token; use a certificate in security.admin-subjects");
    }
    return Status.UNAUTHENTICATED.withDescription("this call changes the cluster and needs the "
        + "admin role: " + (token != null ? "send 'authorization: Bearer <token>' "
        + "(rlctl: --admin-token-file)" : "") + (token != null && tls ? " or " : "")
        + (tls ? "connect with a certificate in security.admin-subjects (rlctl: --cert, --key)"
        : ""));
  }

  private Status nodeRefusal(X500Principal subject) {
    if (!tls || (subject != null && nodeSubjects.matches(subject))) {
      return null;
    }
    return subject == null
        ? Status.UNAUTHENTICATED.withDescription("only nodes make this call; connect with a node "
            + "certificate")
        : Status.PERMISSION_DENIED.withDescription("only nodes make this call; the certificate "
            + "subject " + subject + " is not in security.node-subjects");
  }

  /** The subject of the client's certificate, or null if it sent none. */
  private static X500Principal subject(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate leaf
          ? leaf.getSubjectX500Principal() : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
