using System.Text;

namespace Junction.Cli.Control.Tests;

/// <summary>The control server's request-head parser: what it takes, what it waits for, and what it refuses with which status.</summary>
public sealed class HttpRequestParserTests
{
    private static (bool Ok, HttpRequest? Request, int Consumed, HttpRefusal? Refusal) Parse(string text)
    {
        var ok = HttpRequestParser.TryParse(Encoding.Latin1.GetBytes(text), out var request, out var consumed, out var refusal);
        return (ok, request, consumed, refusal);
    }

    [Fact]
    public void A_get_with_a_query_is_parsed_and_its_length_consumed()
    {
        const string head = "GET /v1/explain?c=tcp%2010.0.0.1%20-%3E%201.1.1.1%3A443&x=1 HTTP/1.1\r\nHost: junction\r\n\r\n";
        var (ok, request, consumed, _) = Parse(head + "GET /next");
        Assert.True(ok);
        Assert.Equal(head.Length, consumed);
        Assert.Equal("GET", request!.Method);
        Assert.Equal("/v1/explain", request.Path);
        Assert.Equal("tcp 10.0.0.1 -> 1.1.1.1:443", request.QueryValue("c"));
        Assert.Equal("tcp 10.0.0.1 -> 1.1.1.1:443", request.QueryValue("C"));
        Assert.Null(request.QueryValue("missing"));
        Assert.True(request.KeepAlive);
        Assert.Equal(0, request.ContentLength);
    }

    [Fact]
    public void Query_values_decode_plus_and_join_repeats_with_commas()
    {
        var (_, request, _, _) = Parse("POST /v1/operator?uplink=isp+1&mode=drain&mode=up&empty= HTTP/1.1\r\nHost: j\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal("isp 1", request!.QueryValue("uplink"));
        Assert.Equal("drain,up", request.QueryValue("mode"));
        Assert.Equal("", request.QueryValue("empty"));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: j\r\nConnection: close\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.1\r\nHost: j\r\nConnection: keep-alive, Upgrade\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.0\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true)]
    public void Keep_alive_follows_the_version_and_the_connection_header(string head, bool keepAlive)
    {
        var (ok, request, _, _) = Parse(head);
        Assert.True(ok);
        Assert.Equal(keepAlive, request!.KeepAlive);
    }

    [Fact]
    public void An_absolute_target_is_reduced_to_its_path_and_a_body_length_and_expect_are_read()
    {
        var (ok, request, _, _) = Parse("POST http://junction/v1/operator?mode=up HTTP/1.1\r\nHost: junction\r\nContent-Length: 12\r\nExpect: 100-continue\r\n\r\n");
        Assert.True(ok);
        Assert.Equal("/v1/operator", request!.Path);
        Assert.Equal("up", request.QueryValue("mode"));
        Assert.Equal(12, request.ContentLength);
        Assert.True(request.ExpectContinue);
    }

    [Theory]
    [InlineData("")]
    [InlineData("GET /v1/status HTTP/1.1")]
    [InlineData("GET /v1/status HTTP/1.1\r\nHost: j\r\n")]
    [InlineData("GET /v1/status HTTP/1.1\r\nHost: j\r\nAccept: */")]
    public void A_head_not_yet_complete_waits_for_more(string partial)
    {
        var (ok, _, _, refusal) = Parse(partial);
        Assert.False(ok);
        Assert.Null(refusal);
    }

    [Theory]
    [InlineData("GET /v1/status HTTP/1.1\nHost: j\n\n", 400)]                               // bare LF
    [InlineData("GET /v1/status HTTP/1.1\r\nHost: j\nX: y\r\n\r\n", 400)]                   // bare LF inside the fields
    [InlineData("GET  /v1/status HTTP/1.1\r\nHost: j\r\n\r\n", 400)]                        // two spaces
    [InlineData("GET /v1/status\r\nHost: j\r\n\r\n", 400)]                                  // no version
    [InlineData("GET /v1/status HTTP/2.0\r\nHost: j\r\n\r\n", 505)]
    [InlineData("GET /v1/status FTP/1.1\r\nHost: j\r\n\r\n", 400)]
    [InlineData("G(T /v1/status HTTP/1.1\r\nHost: j\r\n\r\n", 400)]                         // not a token
    [InlineData("GET v1/status HTTP/1.1\r\nHost: j\r\n\r\n", 400)]                          // not origin form
    [InlineData("GET /v1/status HTTP/1.1\r\n\r\n", 400)]                                    // HTTP/1.1 without Host
    [InlineData("GET /v1/status HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)]
    [InlineData("GET /v1/status HTTP/1.1\r\nHost : j\r\n\r\n", 400)]                        // space before the colon
    [InlineData("GET /v1/status HTTP/1.1\r\nHost: j\r\n folded\r\n\r\n", 400)]              // obs-fold
    [InlineData("GET /v1/status HTTP/1.1\r\nHost: j\r\nNoColon\r\n\r\n", 400)]
    [InlineData("GET /v1/status HTTP/1.1\r\nHost: j\r\nX: a\u0001b\r\n\r\n", 400)]          // control character
    [InlineData("POST /v1/operator HTTP/1.1\r\nHost: j\r\nContent-Length: -1\r\n\r\n", 400)]
    [InlineData("POST /v1/operator HTTP/1.1\r\nHost: j\r\nContent-Length: 1 2\r\n\r\n", 400)]
    [InlineData("POST /v1/operator HTTP/1.1\r\nHost: j\r\nContent-Length: 0x10\r\n\r\n", 400)]
    [InlineData("POST /v1/operator HTTP/1.1\r\nHost: j\r\nContent-Length: 99999999999999999999\r\n\r\n", 400)]
    [InlineData("POST /v1/operator HTTP/1.1\r\nHost: j\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400)]
    [InlineData("POST /v1/operator HTTP/1.1\r\nHost: j\r\nContent-Length: 1025\r\n\r\n", 413)]
    [InlineData("POST /v1/operator HTTP/1.1\r\nHost: j\r\nTransfer-Encoding: chunked\r\n\r\n", 501)]
    [InlineData("POST /v1/operator HTTP/1.1\r\nHost: j\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400)]
    public void A_bad_head_is_refused_with_its_status(string head, int status)
    {
        var (ok, _, _, refusal) = Parse(head);
        Assert.False(ok);
        Assert.Equal(status, refusal?.Status);
    }

    [Fact]
    public void Heads_over_the_limits_are_refused_even_before_they_end()
    {
        Assert.Equal(414, Parse("GET /" + new string('a', HttpRequestParser.MaxRequestLine)).Refusal?.Status);
        Assert.Equal(414, Parse("GET /" + new string('a', HttpRequestParser.MaxRequestLine) + " HTTP/1.1\r\nHost: j\r\n\r\n").Refusal?.Status);
        var big = "GET / HTTP/1.1\r\nHost: j\r\nX: " + new string('b', HttpRequestParser.MaxHeaderBytes);
        Assert.Equal(431, Parse(big).Refusal?.Status);
        Assert.Equal(431, Parse(big + "\r\n\r\n").Refusal?.Status);
        var many = "GET / HTTP/1.1\r\nHost: j\r\n" + string.Concat(Enumerable.Range(0, HttpRequestParser.MaxHeaderCount).Select(i => $"X{i}: y\r\n")) + "\r\n";
        Assert.Equal(431, Parse(many).Refusal?.Status);
    }

    [Fact]
    public void The_path_is_percent_decoded_but_for_an_encoded_slash()
    {
        Assert.Equal("/v1/status", Parse("GET /v1/%73tatus HTTP/1.1\r\nHost: j\r\n\r\n").Request!.Path);
        Assert.Equal("/v1%2Fstatus", Parse("GET /v1%2Fstatus HTTP/1.1\r\nHost: j\r\n\r\n").Request!.Path);
    }
}
