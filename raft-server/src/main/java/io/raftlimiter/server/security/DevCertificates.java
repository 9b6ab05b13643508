package io.raftlimiter.server.security;

import io.grpc.util.CertificateUtils;
import io.raftlimiter.server.runtime.OwnerOnly;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A development certificate authority in a directory, for {@code rlctl cluster up --tls} and for
 * tests: {@code ca.crt}/{@code ca.key}, and certificates it issues as {@code <name>.crt} and
 * {@code <name>.key} (keys 0600, the directory 0700). Keys are EC P-256. Not for production: the
 * authority's key sits beside the certificates, unprotected.
 *
 * <p>Subjects are {@code CN=<name>,O=raftlimiter-dev}; node certificates are named
 * {@code node-<id>}, so {@link #NODE_SUBJECTS} admits them all and no client's.
 */
public final class DevCertificates {
  public static final String ORGANIZATION = "raftlimiter-dev";
  public static final String NODE_SUBJECTS = "CN=node-*,O=" + ORGANIZATION;
  public static final String CA = "ca";
  private static final Duration VALIDITY = Duration.ofDays(365);

  /** What a certificate may be used for. */
  public enum Use {
    /** A node: serves TLS (client and Raft ports) and is a client of the other nodes. */
    NODE,
    /** A client (data plane or admin): authenticates to nodes only. */
    CLIENT
  }

  private final Path dir;
  private final X509Certificate caCertificate;
  private final PrivateKey caKey;
  private final SecureRandom random = new SecureRandom();

  private DevCertificates(Path dir, X509Certificate caCertificate, PrivateKey caKey) {
    this.dir = dir;
    this.caCertificate = caCertificate;
    this.caKey = caKey;
  }

  /** The authority in {@code dir}, made there first if {@code dir} holds none. */
  public static DevCertificates openOrCreate(Path dir) throws IOException {
    Path cert = dir.resolve(CA + ".crt");
    Path key = dir.resolve(CA + ".key");
    if (Files.exists(cert) && Files.exists(key)) {
      try (InputStream certIn = Files.newInputStream(cert);
          InputStream keyIn = Files.newInputStream(key)) {
        return new DevCertificates(dir, CertificateUtils.getX509Certificates(certIn)[0],
            CertificateUtils.getPrivateKey(keyIn));
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new IOException("cannot read the development CA in " + dir + ": " + e, e);
      }
    }
    OwnerOnly.directory(dir);
    try {
      KeyPair pair = newKeyPair();
      X500Name name = subject("raftlimiter development CA");
      Instant now = Instant.now();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
          new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
          Date.from(now.plus(VALIDITY.multipliedBy(10))), name, pair.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false,
          new JcaX509ExtensionUtils().createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate certificate = sign(builder, pair.getPrivate());
      write(cert, key, certificate, pair.getPrivate());
      return new DevCertificates(dir, certificate, pair.getPrivate());
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IOException("cannot make a development CA: " + e, e);
    }
  }

  public Path caFile() {
    return dir.resolve(CA + ".crt");
  }

  /** The files of {@code name}, issued earlier or by this call. */
  public TlsFiles issueIfAbsent(String name, Use use, String... hosts) throws IOException {
    TlsFiles files = files(name);
    if (Files.exists(files.cert()) && Files.exists(files.key())) {
      return files;
    }
    return issue(name, use, hosts);
  }

  /**
   * Issues {@code name}.crt/.key, replacing any earlier ones, valid for {@code hosts} (names or
   * IP addresses; 127.0.0.1 and localhost are always added).
   */
  public TlsFiles issue(String name, Use use, String... hosts) throws IOException {
    TlsFiles files = files(name);
    try {
      KeyPair pair = newKeyPair();
      Instant now = Instant.now();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate,
          new BigInteger(64, random), Date.from(now.minus(Duration.ofMinutes(5))),
          Date.from(now.plus(VALIDITY)), subject(name), pair.getPublic());
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, use == Use.NODE
          ? new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth,
              KeyPurposeId.id_kp_clientAuth})
          : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      builder.addExtension(Extension.subjectAlternativeName, false, alternativeNames(hosts));
      builder.addExtension(Extension.subjectKeyIdentifier, false,
          extensions.createSubjectKeyIdentifier(pair.getPublic()));
      builder.addExtension(Extension.authorityKeyIdentifier, false,
          extensions.createAuthorityKeyIdentifier(caCertificate));
      write(files.cert(), files.key(), sign(builder, caKey), pair.getPrivate());
      return files;
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IOException("cannot issue a development certificate for " + name + ": " + e, e);
    }
  }

  public TlsFiles files(String name) {
    return new TlsFiles(dir.resolve(name + ".crt"), dir.resolve(name + ".key"), caFile());
  }

  /** The subject of {@code name}'s certificate, as the nodes' settings name it. */
  public static String subjectOf(String name) {
    return "CN=" + name + ",O=" + ORGANIZATION;
  }

  /** As Java reads and prints the name: BouncyCastle's own parser orders the parts reversed. */
  private static X500Name subject(String name) {
    return X500Name.getInstance(new X500Principal(subjectOf(name)).getEncoded());
  }

  private static GeneralNames alternativeNames(String... hosts) {
    Set<String> all = new LinkedHashSet<>(List.of("127.0.0.1", "localhost"));
    all.addAll(List.of(hosts));
    List<GeneralName> names = new ArrayList<>();
    for (String host : all) {
      names.add(new GeneralName(isAddress(host) ? GeneralName.iPAddress : GeneralName.dNSName,
          host));
    }
    return new GeneralNames(names.toArray(GeneralName[]::new));
  }

  private static boolean isAddress(String host) {
    if (!host.matches("[0-9.]+|.*:.*")) {
      return false;
    }
    try {
      return InetAddress.getByName(host).getHostAddress() != null;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
    return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
  }

  private static void write(Path certFile, Path keyFile, X509Certificate certificate,
      PrivateKey key) throws IOException, GeneralSecurityException {
    OwnerOnly.write(keyFile, pem("PRIVATE KEY", key.getEncoded()));
    Files.writeString(certFile, pem("CERTIFICATE", certificate.getEncoded()),
        StandardCharsets.US_ASCII);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
