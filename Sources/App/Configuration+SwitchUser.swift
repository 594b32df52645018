#if canImport(Glibc)
import Glibc
#endif
import Logging

extension Configuration.UserID {
    /// Why the daemon could not become the configured account.
    struct SwitchError: Error, CustomStringConvertible {
        var description: String
    }

    /// Becomes this account, with its supplementary groups, once the sockets are bound: a
    /// process started as root gives root up for good. A process started as anyone else can only
    /// stay who it is, which is fine when that is already the account.
    func switchToIt(logger: Logger) throws(SwitchError) {
        guard let account = getpwnam(user) ?? UInt32(user).flatMap({ getpwuid($0) }) else {
            throw SwitchError(description: "UserID \(self): no user \(user)")
        }
        var groupID = account.pointee.pw_gid
        if let group {
            guard let entry = getgrnam(group) ?? UInt32(group).flatMap({ getgrgid($0) }) else {
                throw SwitchError(description: "UserID \(self): no group \(group)")
            }
            groupID = entry.pointee.gr_gid
        }
        let userID = account.pointee.pw_uid
        guard geteuid() == 0 else {
            if geteuid() != userID {
                logger.warning("UserID \(self) not applied: only a daemon started as root can switch accounts")
            }
            return
        }
        let name = String(cString: account.pointee.pw_name)
        // Group first: once the user is switched, the right to change groups is gone.
        guard initgroups(name, groupID) == 0, setgid(groupID) == 0, setuid(userID) == 0 else {
            throw SwitchError(description: "UserID \(self): cannot switch: \(String(cString: strerror(errno)))")
        }
        guard setuid(0) != 0 else {
            throw SwitchError(description: "UserID \(self): root could be regained after switching")
        }
        logger.info("running as \(self) (uid \(userID), gid \(groupID))")
    }
}
