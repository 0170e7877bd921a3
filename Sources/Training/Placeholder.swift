// The trainer lands here (issue 3).
import Crypto
import TOMLKit
