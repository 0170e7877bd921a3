/// Input that a text encoder or the prompt encoder cannot process; each case names the value and the limit.
public enum TextEncoderError: Error, Equatable, CustomStringConvertible {
    case emptyBatch
    case unequalLengths([Int])
    /// More tokens than the model has positions (`max_position_embeddings`).
    case sequenceTooLong(length: Int, maxPositionEmbeddings: Int)
    /// A token id outside the embedding table (`vocab_size`): the tokenizer does not belong to this model.
    case tokenOutOfRange(id: Int32, vocabSize: Int)
    /// A tokenizer whose ids can exceed the model's embedding table.
    case tokenizerLargerThanModel(tokenizerVocabulary: Int, vocabSize: Int)
    /// A clip skip that is below 1 or reaches past the embeddings.
    case clipSkipOutOfRange(clipSkip: Int, layers: Int)
    /// The conditioning rule needs other encoders than it was given.
    case encoders(String)

    public var description: String {
        switch self {
        case .emptyBatch:
            "text encoder: no sequences to encode"
        case .unequalLengths(let lengths):
            "text encoder: sequences of unequal lengths \(lengths)"
        case .sequenceTooLong(let length, let maximum):
            "text encoder: \(length) tokens, but the model has max_position_embeddings = \(maximum)"
        case .tokenOutOfRange(let id, let vocabSize):
            "text encoder: token id \(id) is outside the embedding table (vocab_size = \(vocabSize)); "
                + "the tokenizer does not match this model"
        case .tokenizerLargerThanModel(let tokenizerVocabulary, let vocabSize):
            "text encoder: the tokenizer has \(tokenizerVocabulary) tokens, but the model's vocab_size is "
                + "\(vocabSize); use the model's own tokenizer"
        case .clipSkipOutOfRange(let clipSkip, let layers):
            "clip skip \(clipSkip) is outside 1…\(layers) for a text encoder of \(layers) layers"
        case .encoders(let reason):
            "prompt encoder: \(reason)"
        }
    }
}
