using System.Globalization;
using ImageDsl.Rendering;

namespace ImageDsl
{
    /// <summary>
    /// A user and optional group, by name or by numeric id, for <c>USER</c> and <c>--chown</c>:
    /// <c>Owner.Id(1000, 1000)</c>, <c>Owner.Name("app", "app")</c>, or a string in docker's own form <c>user[:group]</c>
    /// (<c>"app"</c>, <c>"1000:1000"</c>), where ':' separates the user from the group.
    /// </summary>
    public sealed record Owner
    {
        private Owner(string user, string? group)
        {
            User = user;
            Group = group;
        }

        public string User { get; }

        public string? Group { get; }

        public static Owner Id(uint userId, uint? groupId = null) =>
            new Owner(userId.ToString(CultureInfo.InvariantCulture), groupId?.ToString(CultureInfo.InvariantCulture));

        public static Owner Name(string user, string? group = null)
        {
            Check(user, nameof(user));
            if (group is not null) Check(group, nameof(group));
            return new Owner(user, group);
        }

        /// <summary>Docker's <c>user[:group]</c> form: the first ':' separates user from group.</summary>
        public static Owner Parse(string userAndGroup)
        {
            Syntax.RequireSingleLine(userAndGroup, "a user", nameof(userAndGroup));
            var colon = userAndGroup.IndexOf(':');
            if (colon < 0) return Name(userAndGroup);
            var user = userAndGroup.Substring(0, colon);
            var group = userAndGroup.Substring(colon + 1);
            if (user.Length == 0 || group.Length == 0 || group.IndexOf(':') >= 0)
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument,
                    $"'{userAndGroup}' is not user[:group]: write a user, or a user and a group separated by one ':', e.g. \"1000:1000\" or Owner.Id(1000, 1000).", nameof(userAndGroup));
            }

            return new Owner(user, group);
        }

        public static implicit operator Owner(string userAndGroup) => Parse(userAndGroup);

        public override string ToString() => Group is null ? User : User + ":" + Group;

        // USER quotes the name, so any single line works there; --chown cannot quote, and Dockerfile.Copy checks
        // that separately. ':' always separates user from group, so a name cannot contain it.
        private static void Check(string name, string parameter)
        {
            Syntax.RequireSingleLine(name, "a user or group name", parameter);
            if (name.Length == 0 || name.IndexOf(':') >= 0)
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument,
                    $"'{name}' is not a user or group name: it must be non-empty and cannot contain ':' (which separates user from group); for both, write Owner.Name(\"user\", \"group\"), Owner.Id(1000, 1000) or the string \"user:group\".", parameter);
            }
        }
    }
}
