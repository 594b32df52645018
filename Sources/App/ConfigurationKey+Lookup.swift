extension ConfigurationKey {
    /// A key found by a name written in a file: the key, and the former name when that was used.
    struct Match {
        var key: ConfigurationKey
        var formerName: String?
    }

    private static let byLowercasedName: [String: Match] = {
        var table: [String: Match] = [:]
        for key in all {
            table[key.name.lowercased()] = Match(key: key)
            for former in key.formerNames {
                table[former.lowercased()] = Match(key: key, formerName: former)
            }
        }
        return table
    }()

    /// The key with this name, compared without regard to case as OpenDMARC does.
    static func named(_ name: String) -> Match? {
        byLowercasedName[name.lowercased()]
    }

    /// The known name closest to a misspelt one, if any is close enough to be a likely typo:
    /// at most two edits, or three for names of ten letters or more.
    static func suggestion(for name: String) -> String? {
        let written = Array(name.lowercased())
        var best: (name: String, distance: Int)?
        for candidate in all.flatMap({ [$0.name] + $0.formerNames }) {
            let distance = editDistance(written, Array(candidate.lowercased()))
            if distance < best?.distance ?? .max {
                best = (candidate, distance)
            }
        }
        guard let best else { return nil }
        let allowed = written.count >= 10 ? 3 : 2
        return best.distance <= allowed ? best.name : nil
    }

    /// Levenshtein distance: the fewest single-character insertions, deletions and substitutions
    /// that turn one string into the other.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
