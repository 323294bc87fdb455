using System.Text;

namespace Junction.Hashing.Tests;

/// <summary>The managed SHA-256 against the platform's (OpenSSL's): the names and plan hashes older versions wrote must come out the same.</summary>
public sealed class Sha256Tests
{
    [Fact]
    public void The_standard_test_vectors()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hex(""));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Hex("abc"));
        Assert.Equal("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
    }

    [Fact]
    public void Every_length_across_the_padding_boundaries_and_a_long_input_match_the_platform()
    {
        var random = new Random(13);
        foreach (var length in Enumerable.Range(0, 300).Append(100_003))
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), Sha256.HashData(data));
        }
    }

    private static string Hex(string text) => Convert.ToHexStringLower(Sha256.HashData(Encoding.ASCII.GetBytes(text)));
}
