// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "lorad",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lorad", targets: ["lorad"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, zlib1g-dev).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib"),

        // Tensor, DType, the Backend protocol, the CPU backend and the Philox RNG.
        .target(name: "Tensors", dependencies: ["CBLAS"]),
        // Reading (memory-mapped) and writing .safetensors files.
        .target(name: "SafeTensors"),
        // Image encoding (PNG through zlib).
        .target(name: "Imaging", dependencies: ["CZlib"]),
        // Model configs, weight loading, tokenizer, text encoder, UNet, VAE, schedulers and pipelines.
        .target(
            name: "Diffusion",
            dependencies: ["Tensors", "SafeTensors", "CZlib"],
            resources: [.copy("Resources/clip")]
        ),
        .executableTarget(
            name: "lorad",
            dependencies: [
                "Diffusion", "Imaging", "Tensors", "SafeTensors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "SafeTensors"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"], exclude: ["Fixtures"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "CZlib"]),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "Tensors", "SafeTensors"]),
        .testTarget(name: "LoradCLITests", dependencies: ["lorad", "SafeTensors"]),
    ]
)
