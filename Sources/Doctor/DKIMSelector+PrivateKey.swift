import Auth

extension DKIMSelector {
    /// The key of `selector` at `domain` with the public half of the private key the signer
    /// holds, to compare with the published one.
    public init(domain: String, selector: String, privateKey: DKIMPrivateKey) {
        self.init(domain: domain, selector: selector, publicKey: privateKey.publicKeyBytes)
    }
}
