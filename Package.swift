// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "lorad",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lorad", targets: ["lorad"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/multipart-kit", exact: "4.7.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, zlib1g-dev, libjpeg62-turbo-dev, libpng-dev, libwebp-dev).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib"),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg"),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng"),
        .systemLibrary(name: "CWebP", pkgConfig: "libwebp"),
        // libjpeg and libpng decoding behind setjmp, so that their fatal errors come back as statuses.
        .target(name: "CImageShims", dependencies: ["CJPEG", "CPNG"]),

        // Tensor, DType, the Backend protocol, the CPU backend and the Philox RNG. Optimised in debug builds too: its
        // loops are every training step's arithmetic (a demo LoRA step takes 4 times as long unoptimised), and the tests
        // train real jobs.
        .target(
            name: "Tensors", dependencies: ["CBLAS"],
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // The CUDA driver API, NVRTC, cuBLAS and cuDNN as function-pointer types, bound with dlsym (no CUDA at build time).
        .systemLibrary(name: "CCUDA"),
        // GPUs through the CUDA libraries loaded at run time; kernels are `.cu` resources compiled by NVRTC.
        .target(
            name: "CUDA",
            dependencies: ["Tensors", "CCUDA", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Kernels")]
        ),
        // Reading (memory-mapped) and writing .safetensors files.
        .target(name: "SafeTensors"),
        // Images: decoding (JPEG, PNG, WebP, BMP), EXIF orientation, resizing for training, PNG encoding.
        .target(name: "Imaging", dependencies: ["CZlib", "CJPEG", "CPNG", "CWebP", "CImageShims"]),
        // Model configs, weight loading, tokenizer, text encoder, UNet, VAE, schedulers and pipelines.
        .target(
            name: "Diffusion",
            dependencies: ["Tensors", "SafeTensors", "CZlib"],
            resources: [.copy("Resources/clip")]
        ),
        // LoRA and LoCon adapters: kohya target selection, and the kohya and peft file formats.
        .target(
            name: "LoRA",
            dependencies: ["Diffusion", "Tensors", "SafeTensors", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Training: job config (kohya names), datasets and buckets, optimizers, schedules, the trainer loop.
        .target(
            name: "Training",
            dependencies: [
                "LoRA", "Diffusion", "Imaging", "Tensors", "SafeTensors",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The HTTP server: the /v1 REST API, server-sent events, the worker pool, health, metrics and static files.
        .target(
            name: "Server",
            dependencies: [
                "Store", "Training", "LoRA", "Diffusion", "Tensors", "Imaging", "CZlib", "CUDA",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [
                // The OpenAPI document GET /openapi.json serves, written by hand next to the routes it describes.
                .copy("Resources/openapi.json"),
                // The demo a first start registers: model, dataset and config (made by tools/make_demo.py).
                .copy("Resources/Demo"),
            ]
        ),
        // The server's records: SQLite through GRDB (system SQLite, Debian: libsqlite3-dev), migrations, blob store.
        .target(
            name: "Store",
            dependencies: [
                "SchemaMigrations",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ],
        ),
        // The schema as plain `.sql` files, bundled so that an installed `lorad` finds them without a checkout.
        // SwiftPM has no globs: list each new migration here (a MigrationTests case fails if one is missing).
        .target(
            name: "SchemaMigrations", path: "Migrations", exclude: ["README.md"],
            resources: [
                .copy("0001_initial.sql"), .copy("0002_job_outputs.sql"), .copy("0003_datasets.sql"),
                .copy("0004_webhooks.sql"), .copy("0005_grids.sql"), .copy("0006_demo.sql"),
            ]),
        .executableTarget(
            name: "lorad",
            dependencies: [
                "Server", "Training", "LoRA", "Diffusion", "Imaging", "Tensors", "SafeTensors", "CUDA",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Fixture locations, golden files and tolerance checks shared by the test targets.
        .target(name: "TestSupport", dependencies: ["Tensors", "SafeTensors"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "SafeTensors"]),
        .testTarget(name: "CUDATests", dependencies: ["CUDA", "Tensors"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "CZlib", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "Tensors", "SafeTensors", "TestSupport"]),
        .testTarget(name: "LoRATests", dependencies: ["LoRA", "Diffusion", "Tensors", "SafeTensors", "TestSupport"]),
        .testTarget(
            name: "TrainingTests",
            dependencies: ["Training", "LoRA", "Diffusion", "Imaging", "Tensors", "SafeTensors", "TestSupport"]),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "LoradCLITests",
            dependencies: [
                "lorad", "SafeTensors", "TestSupport", "CUDA", "Tensors", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Store", "Training", "LoRA", "Diffusion", "Tensors", "SafeTensors", "Imaging", "CZlib",
                "TestSupport", "CUDA",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
