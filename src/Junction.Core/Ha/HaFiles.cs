namespace Junction.Ha;

/// <summary>The three files a router of a pair needs besides Junction's own, as text.</summary>
public sealed record HaFiles(string Keepalived, string Conntrackd, string Notify)
{
    public const string KeepalivedName = "keepalived.conf";
    public const string ConntrackdName = "conntrackd.conf";
    public const string NotifyName = "notify.sh";

    /// <summary>File name and text, in the order they are best read.</summary>
    public IReadOnlyList<(string Name, string Text)> All => [(KeepalivedName, Keepalived), (ConntrackdName, Conntrackd), (NotifyName, Notify)];

    /// <summary>The mode a file is written with: keepalived runs the notify script, the rest is read.</summary>
    public static UnixFileMode Mode(string name) => name == NotifyName
        ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
        : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
}
