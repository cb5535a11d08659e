//! Enums that are stored and exchanged as text (categories, statuses, roles, ...), declared
//! once with [`text_enum!`]: the names the API, the forms and the database use, the labels
//! people read, the list of every value, parsing, the OpenAPI schema (an enum, not a free
//! string) and the values of the migration's `CHECK (column IN (...))`.

/// What every text enum offers, for code that works on any of them.
pub trait TextEnum: Copy + 'static {
    /// Every value, in the order forms and filters list them.
    fn all() -> &'static [Self];
    /// The name stored and exchanged (`pending_approval`).
    fn as_str(self) -> &'static str;
    /// What people read (`Waiting for approval`).
    fn label(self) -> &'static str;
    fn parse(raw: &str) -> Option<Self>;

    /// `'a', 'b', 'c'`: the values of a `CHECK (column IN (...))` constraint.
    fn sql_values() -> String {
        Self::all()
            .iter()
            .map(|value| format!("'{}'", value.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// "One of a, b or c." for error messages.
    fn expected() -> String {
        let names: Vec<&str> = Self::all().iter().map(|v| v.as_str()).collect();
        match names.split_last() {
            Some((last, [])) => format!("Use {last}."),
            Some((last, rest)) => format!("Use {} or {last}.", rest.join(", ")),
            None => String::new(),
        }
    }
}

#[doc(hidden)]
#[macro_export]
macro_rules! count_variants {
    () => { 0 };
    ($head:ident $($tail:ident)*) => { 1 + $crate::count_variants!($($tail)*) };
}

/// Declares a text enum:
///
/// ```ignore
/// text_enum! {
///     /// Where an objective stands.
///     pub enum ObjectiveStatus {
///         Draft => "draft", "Draft";
///         PendingApproval => "pending_approval", "Waiting for approval";
///     }
/// }
/// ```
///
/// Extra names a value is also read from (never written) follow the name: `ReadWrite =>
/// "read_write" | "read-write", "Read and write";`.
// The names are taken as `tt`, not `literal`: a `literal` fragment reaches derives wrapped in
// an invisible group, and utoipa then misses the `serde(rename)` it carries.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident => $text:tt $(| $alias:tt)*, $label:tt;
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema,
        )]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                #[serde(rename = $text)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the order forms and filters list them.
            pub const ALL: [$name; $crate::count_variants!($($variant)+)] = [$($name::$variant),+];

            /// The name stored and exchanged.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// What people read.
            pub const fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw {
                    $($text $(| $alias)* => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl $crate::text_enum::TextEnum for $name {
            fn all() -> &'static [Self] {
                &Self::ALL
            }
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
            fn label(self) -> &'static str {
                $name::label(self)
            }
            fn parse(raw: &str) -> Option<Self> {
                $name::parse(raw)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::TextEnum;

    crate::text_enum! {
        /// A test enum.
        enum Colour {
            Red => "red", "Red";
            DarkBlue => "dark_blue" | "dark-blue", "Dark blue";
        }
    }

    #[test]
    fn a_text_enum_names_parses_and_lists_its_values() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue]);
        assert_eq!(Colour::DarkBlue.as_str(), "dark_blue");
        assert_eq!(Colour::DarkBlue.label(), "Dark blue");
        assert_eq!(Colour::parse("dark-blue"), Some(Colour::DarkBlue));
        assert_eq!(Colour::parse("Dark blue"), None);
        assert_eq!(Colour::sql_values(), "'red', 'dark_blue'");
        assert_eq!(Colour::expected(), "Use red or dark_blue.");
        assert_eq!(
            serde_json::to_string(&Colour::DarkBlue).ok().as_deref(),
            Some("\"dark_blue\"")
        );
        for colour in Colour::ALL {
            assert_eq!(Colour::parse(colour.as_str()), Some(colour));
        }
    }
}
