using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fathom.Replay;
using Fathom.Grains.Tests.Infrastructure;
using StackExchange.Redis;

namespace Fathom.Grains.Tests.Replay;

/// <summary>
/// The store over TLS with a password: redis-server on a TLS-only port with a certificate made here, trusted through
/// <see cref="ConfigurationOptions.SslClientAuthenticationOptions"/>, which StackExchange.Redis and the store's episode
/// connections both use.
/// </summary>
public sealed class RedisTlsReplayStoreTests
{
    private const string Password = "tls-secret-3f9c";

    [Fact]
    public async Task EpisodesRoundTripOverTlsAndAnUntrustedServerIsRefusedRetryably()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        using var server = LocalRedisServer.StartTls(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), Password);
        string thumbprint = certificate.Thumbprint;

        await using (var store = await RedisReplayStore.ConnectShardsAsync(TestEpisodes.Options(1000), [Options(server, (_, presented, _, _) => presented?.GetCertHashString() == thumbprint)]))
        {
            var episodes = Enumerable.Range(0, 6).Select(n => TestEpisodes.Make(n, 10 + n)).ToList();
            Assert.All(await store.AppendAsync(0, episodes), result => Assert.True(result.Stored));
            var fetched = await store.FetchAsync((await store.ListAsync()).Episodes);
            Assert.Equal(episodes.Select(EpisodeCodec.Encode), fetched.OrderBy(f => f.Episode.Sequence).Select(f => EpisodeCodec.Encode(f.Episode)));
            Assert.Equal(episodes.Sum(e => (long)e.Length), (await store.GetSizesAsync()).Transitions);
            await store.DeleteRunAsync();
        }

        await using var untrusting = await RedisReplayStore.ConnectShardsAsync(TestEpisodes.Options(1000) with { OperationTimeout = TimeSpan.FromSeconds(5) },
            [Options(server, (_, _, _, _) => false)]);
        var error = await Assert.ThrowsAsync<ReplayShardUnavailableException>(() => untrusting.AppendAsync(0, TestEpisodes.Make(9, 10)));
        Assert.Contains(server.EndPoint, error.Message);
        Assert.DoesNotContain(Password, error.ToString());
    }

    private static ConfigurationOptions Options(LocalRedisServer server, RemoteCertificateValidationCallback validate) => new()
    {
        EndPoints = { server.EndPoint },
        Password = Password,
        Ssl = true,
        SslClientAuthenticationOptions = _ => new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = validate },
    };
}
