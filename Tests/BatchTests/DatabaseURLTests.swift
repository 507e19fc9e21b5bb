@testable import Batch
import XCTest

final class DatabaseURLTests: XCTestCase {
    func testSQLiteFollowsSQLAlchemysSlashRule() throws {
        XCTAssertEqual(try DatabaseURL("sqlite:///data/items.db"), .sqlite(path: "data/items.db"))
        XCTAssertEqual(try DatabaseURL("sqlite:////srv/items.db"), .sqlite(path: "/srv/items.db"))
        XCTAssertThrowsError(try DatabaseURL("sqlite://items.db"))
    }

    func testMySQLPartsAndDefaultPort() throws {
        XCTAssertEqual(try DatabaseURL("mysql://app:p%40ss@db.local:3307/shop"),
                       .mysql(user: "app", password: "p@ss", host: "db.local", port: 3307, database: "shop"))
        XCTAssertEqual(try DatabaseURL("mariadb://app@db/shop"),
                       .mysql(user: "app", password: nil, host: "db", port: 3306, database: "shop"))
    }

    func testDescriptionAndErrorsNeverShowThePassword() throws {
        XCTAssertEqual(try DatabaseURL("mysql://app:secret@db:3306/shop").description, "mysql://app:***@db:3306/shop")
        for bad in ["mysql://app:secret@db:99999/shop", "mysql://app:secret@db:3306", "mysql://app:secret@db:3306/"] {
            XCTAssertThrowsError(try DatabaseURL(bad)) { error in
                XCTAssertFalse("\(error)".contains("secret"), "\(error)")
                XCTAssertTrue("\(error)".contains("mysql://app:***@db"), "\(error)")
            }
        }
        XCTAssertThrowsError(try DatabaseURL("postgres://u:secret@h/db")) { error in
            XCTAssertEqual("\(error)", "database URL scheme 'postgres' is not supported; use sqlite:///path.db or mysql://user:pass@host:port/db")
        }
    }
}

final class NpyHeaderTests: XCTestCase {
    func testReadsDtypeAndShape() throws {
        XCTAssertEqual(try NpyHeader.parse("{'descr': '<f8', 'fortran_order': False, 'shape': (12, 3), }", path: "x.npy"),
                       NpyHeader(elementSize: 8, rows: 12, columns: 3))
    }

    func testRejectsWhatItCannotRead() {
        let cases = [
            ("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 4), }", "dtype '>f4' is not supported"),
            ("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 4), }", "Fortran order"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", "reads a 2-D array"),
            ("{'descr': '<f4', 'fortran_order': False, }", "no 'shape'"),
        ]
        for (header, message) in cases {
            XCTAssertThrowsError(try NpyHeader.parse(header, path: "x.npy")) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
    }
}
