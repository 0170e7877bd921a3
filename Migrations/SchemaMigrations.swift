import Foundation

/// Where the bundled `.sql` migrations of this folder are at run time (the files sit at the root of the bundle).
public enum SchemaMigrations {
    public static var folder: URL? { Bundle.module.resourceURL }
}
