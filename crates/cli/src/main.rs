//! The `custos` binary: serve the web UI and API, migrate, manage users and tokens, and
//! verify the audit trail. Configuration comes from defaults, an optional TOML file,
//! `CUSTOS_*` environment variables and flags, in that order of precedence.

mod config;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use custos_app::controls::library::{ImportOptions, MissingDependencies};
use custos_app::domain::platform::{Role, TokenScope};
use custos_app::{Administration, AppError, Settings, now};

use config::{Config, ServeArgs, SharedArgs};

#[derive(Parser)]
#[command(
    name = "custos",
    version,
    about = "Custos: an ISMS for ISO/IEC 27001 in one binary",
    after_help = "Settings come from defaults, then --config FILE (TOML), then CUSTOS_* environment \
variables, then flags. Besides those shown with their flags: CUSTOS_DATABASE_URL_FILE (a file \
holding the database URL, for container secrets), CUSTOS_LOG (log filter such as info or \
custos_web=debug; RUST_LOG wins), CUSTOS_LOG_FORMAT (text or json)."
)]
struct Cli {
    #[command(flatten)]
    shared: SharedArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web interface and the API.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create the demo organisation "Acme Ltd" (if absent) and exit.
    Demo,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Work with the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Import records into an organisation's registers, as the command line with an
    /// administrator's rights (the audit trail names the command line).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export an organisation's registers.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Framework libraries, shared by every organisation.
    #[command(subcommand)]
    Library(LibraryCommand),
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import assets from a CSV or XLSX file with the columns of the asset export. Rows are
    /// matched on external_id, then on reference (AST-0007), or create an asset; every row is
    /// checked first and the file is written in one transaction, or nothing is.
    Assets {
        /// Organisation slug.
        #[arg(long)]
        org: String,
        /// Check every row and say what importing would do, without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// The CSV or XLSX file ("-" for standard input).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum LibraryCommand {
    /// Import a framework or mapping library file in Custos's format (content/README.md). A
    /// version newer than the one loaded replaces it in place; requirements it no longer has
    /// are marked withdrawn, never deleted.
    Import {
        /// Import a CISO Assistant library even when libraries it depends on are not loaded:
        /// what they would bring (reference controls) is left out.
        #[arg(long)]
        skip_missing_dependencies: bool,
        /// The library id to give an OSCAL catalog or profile, such as nist-800-53-low.
        #[arg(long)]
        id: Option<String>,
        /// For an OSCAL profile: the library id of the loaded catalog it selects from.
        #[arg(long)]
        catalog: Option<String>,
        /// The YAML file, in Custos's format or CISO Assistant's ("-" for standard input).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Export the risk register (levels by name, assets by reference).
    Risks {
        /// Organisation slug.
        #[arg(long)]
        org: String,
        /// csv or xlsx.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Where to write the file (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Export the risk treatment plan: every action with its risk.
    RiskTreatment {
        /// Organisation slug.
        #[arg(long)]
        org: String,
        /// csv or xlsx.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Where to write the file (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Export the asset register with the columns an import reads back.
    Assets {
        /// Organisation slug.
        #[arg(long)]
        org: String,
        /// csv or xlsx.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Where to write the file (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. Without --password-stdin a strong password is generated and printed once.
    Create(CreateUser),
    /// List users.
    List,
    /// Disable a user: they can no longer log in, their sessions end and their API tokens are
    /// revoked (enabling them again brings back neither).
    Disable {
        /// E-mail address of the user.
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled user again.
    Enable {
        /// E-mail address of the user.
        #[arg(long)]
        email: String,
    },
    /// Set a new password (generated unless --password-stdin) and end the user's sessions.
    ResetPassword {
        /// E-mail address of the user.
        #[arg(long)]
        email: String,
        /// Read the new password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give a user a role in an organisation.
    Grant {
        /// E-mail address of the user.
        #[arg(long)]
        email: String,
        /// Organisation slug.
        #[arg(long)]
        org: String,
        /// admin, isms_manager, approver, contributor, auditor or staff.
        #[arg(long)]
        role: String,
    },
}

#[derive(Args)]
struct CreateUser {
    /// E-mail address, used to log in.
    #[arg(long)]
    email: String,
    /// Full name, as shown to other members.
    #[arg(long)]
    name: String,
    /// Make the user an instance administrator and, with --org, the organisation's admin.
    #[arg(long)]
    admin: bool,
    /// Organisation slug to join (created if it does not exist; see --org-name).
    #[arg(long)]
    org: Option<String>,
    /// Name of the organisation when --org creates it.
    #[arg(long)]
    org_name: Option<String>,
    /// Role in --org (default: admin with --admin, staff otherwise).
    #[arg(long)]
    role: Option<String>,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation.
    Create {
        /// Short name used in addresses, e.g. acme in /orgs/acme/ (2 to 40 lower-case
        /// letters, digits or inner hyphens).
        #[arg(long)]
        slug: String,
        /// The organisation's name, e.g. "Acme Ltd".
        #[arg(long)]
        name: String,
    },
    /// List organisations.
    List,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a member of an organisation; the token is printed once.
    Create {
        /// Organisation slug.
        #[arg(long)]
        org: String,
        /// The member the token acts as.
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long, default_value = "command line")]
        name: String,
        /// read or read-write.
        #[arg(long, default_value = "read")]
        scope: String,
        /// Lifetime in days (1 to 366).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every hash chain, check that each organisation's chain is rooted in the
    /// instance chain, and report the first broken link of each.
    Verify {
        /// A file of signed checkpoints (JSON lines): the database must still hold each one.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        /// A public key (64 hexadecimal characters) that checkpoints may be signed with; repeat
        /// for keys used before a rotation. Default: the instance key's public half.
        #[arg(long = "public-key")]
        public_keys: Vec<String>,
    },
    /// Verify the chains and sign a checkpoint of each chain's newest event, appended to the
    /// checkpoint file.
    Checkpoint {
        /// Print the checkpoints on standard output too.
        #[arg(long)]
        stdout: bool,
    },
    /// Print the public key that verifies checkpoints (creating the instance key if needed).
    PublicKey,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(
        &cli.shared,
        match &cli.command {
            Command::Serve(args) => Some(args),
            _ => None,
        },
    ) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    config::init_logging(&config, matches!(cli.command, Command::Serve(_)));
    match run(cli.command, config).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open(config: &Config) -> anyhow::Result<Administration> {
    let url = config.database_url()?;
    let app = Administration::connect(&url, Settings::default())
        .await
        .with_context(|| format!("cannot open the database {}", custos_app::redact_url(&url)))?;
    app.migrate().await.context("cannot migrate the database")?;
    Ok(app)
}

fn read_password_stdin() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    Ok(password.trim_end_matches(['\n', '\r']).to_owned())
}

fn explain(error: AppError) -> anyhow::Error {
    match error {
        AppError::Validation(errors) => {
            let lines: Vec<String> = errors
                .fields
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            anyhow::anyhow!("{}", lines.join("; "))
        }
        AppError::NotFound => anyhow::anyhow!("not found"),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => config::serve(config, args.demo)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Migrate => {
            let url = config.database_url()?;
            let app = Administration::connect(&url, Settings::default()).await?;
            let ran = app.migrate().await?;
            println!("{ran} migration(s) applied; the schema is current.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let app = open(&config).await?;
            let created = app.seed_demo(now()).await.map_err(explain)?;
            println!(
                "{}",
                if created {
                    "Demo organisation created."
                } else {
                    "The demo organisation already exists."
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User(command) => user(open(&config).await?, command).await,
        Command::Org(command) => {
            let app = open(&config).await?;
            match command {
                OrgCommand::Create { slug, name } => {
                    let org = app
                        .ensure_organisation(&slug, &name, now())
                        .await
                        .map_err(explain)?;
                    println!("Organisation {} ({})", org.slug, org.name);
                }
                OrgCommand::List => {
                    for org in app.list_organisations().await.map_err(explain)? {
                        println!("{}\t{}", org.slug, org.name);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Create {
            org,
            email,
            name,
            scope,
            days,
        }) => {
            let app = open(&config).await?;
            let Some(scope) = TokenScope::parse(&scope) else {
                bail!("--scope must be read or read-write");
            };
            let created = app
                .create_token_cli(&org, &email, &name, scope, days, now())
                .await
                .map_err(explain)?;
            eprintln!(
                "Token for {email} in {org}, {} access, expires {}. Shown once:",
                scope.as_str(),
                custos_app::domain::dates::display(created.token.expires_at)
            );
            println!("{}", created.secret);
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(command) => audit(config, command).await,
        Command::Library(LibraryCommand::Import {
            skip_missing_dependencies,
            id,
            catalog,
            file,
        }) => {
            let options = ImportOptions {
                missing: if skip_missing_dependencies {
                    MissingDependencies::Skip
                } else {
                    MissingDependencies::Refuse
                },
                library_id: id,
                catalog,
            };
            import_library(open(&config).await?, &file, &options).await
        }
        Command::Import(ImportCommand::Assets { org, dry_run, file }) => {
            import_assets(open(&config).await?, &org, &file, dry_run).await
        }
        Command::Export(ExportCommand::Assets {
            org,
            format,
            output,
        }) => export_assets(open(&config).await?, &org, &format, output.as_deref()).await,
        Command::Export(ExportCommand::Risks {
            org,
            format,
            output,
        }) => {
            let what = RiskFile::Register;
            export_risk_file(open(&config).await?, &org, &format, output.as_deref(), what).await
        }
        Command::Export(ExportCommand::RiskTreatment {
            org,
            format,
            output,
        }) => {
            let what = RiskFile::TreatmentPlan;
            export_risk_file(open(&config).await?, &org, &format, output.as_deref(), what).await
        }
    }
}

/// Which risk file `custos export` writes.
enum RiskFile {
    Register,
    TreatmentPlan,
}

async fn export_risk_file(
    app: Administration,
    org: &str,
    format: &str,
    output: Option<&std::path::Path>,
    what: RiskFile,
) -> anyhow::Result<ExitCode> {
    use custos_app::domain::list::ListParams;
    use custos_app::domain::risk::register::RiskFilterParams;
    use std::io::Write;
    let format = export_format(format, output)?;
    let ctx = app.command_line_context(org).await.map_err(explain)?;
    let bytes = match what {
        RiskFile::Register => {
            let request = RiskFilterParams::default()
                .request(&ListParams::default())
                .map_err(|e| explain(e.into()))?;
            app.risk_register_file(&ctx, request, format).await
        }
        RiskFile::TreatmentPlan => {
            app.treatment_plan_file(&ctx, format, custos_app::now().date())
                .await
        }
    }
    .map_err(explain)?;
    match output {
        Some(path) => {
            std::fs::write(path, &bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Wrote {}.", path.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Library files are text and small (ISO/IEC 27001:2022 with guidance is about 80 KB).
const MAX_LIBRARY_BYTES: usize = 10 * 1024 * 1024;

/// The bytes of `file` ("-" for standard input), refused past `max_bytes`.
fn read_input(file: &std::path::Path, max_bytes: usize) -> anyhow::Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        custos_formats::table::read_to_limit(std::io::stdin().lock(), max_bytes)
    } else {
        let opened =
            std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
        custos_formats::table::read_to_limit(opened, max_bytes)
    }
    .with_context(|| format!("cannot read {}", file.display()))
}

/// The format of a register file written by `custos export`: an XLSX workbook goes to a file,
/// not to a terminal.
fn export_format(
    format: &str,
    output: Option<&std::path::Path>,
) -> anyhow::Result<custos_app::assets::RegisterFormat> {
    use custos_app::assets::RegisterFormat;
    let Some(format) = RegisterFormat::parse(format) else {
        bail!("--format must be csv or xlsx");
    };
    if format == RegisterFormat::Xlsx
        && output.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        bail!("an XLSX workbook is not text: write it to a file with --output FILE");
    }
    Ok(format)
}

async fn import_library(
    app: Administration,
    file: &std::path::Path,
    options: &ImportOptions,
) -> anyhow::Result<ExitCode> {
    let bytes = read_input(file, MAX_LIBRARY_BYTES)?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{} is not UTF-8 text: not a library file", file.display()))?;
    let imported = app
        .import_library(&text, options, now())
        .await
        .map_err(explain)?;
    for skipped in &imported.skipped_dependencies {
        println!("imported without {skipped}, which is not loaded");
    }
    for library in &imported.written {
        match library.replaced {
            Some(old) => println!(
                "{} {} version {} replaces version {old}",
                library.kind, library.id, library.version
            ),
            None => println!(
                "{} {} version {} imported",
                library.kind, library.id, library.version
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn import_assets(
    app: Administration,
    org: &str,
    file: &std::path::Path,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    use custos_app::assets::{ImportMode, MAX_IMPORT_BYTES};
    let ctx = app.command_line_context(org).await.map_err(explain)?;
    let bytes = read_input(file, MAX_IMPORT_BYTES)?;
    let mode = if dry_run {
        ImportMode::Preview
    } else {
        ImportMode::Apply
    };
    let report = app
        .import_assets(&ctx, &bytes, mode, now())
        .await
        .map_err(explain)?;
    if !report.errors.is_empty() {
        for error in &report.errors {
            eprintln!("{error}");
        }
        eprintln!(
            "{} problem(s) in {}; nothing was imported.",
            report.errors.len(),
            file.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    let counts = format!(
        "{} created, {} updated, {} unchanged; {} support link(s) added, {} removed",
        report.created, report.updated, report.unchanged, report.links_added, report.links_removed
    );
    if dry_run {
        println!(
            "Dry run, nothing written. Importing {} would give: {counts}.",
            file.display()
        );
    } else {
        println!("Imported {}: {counts}.", file.display());
    }
    Ok(ExitCode::SUCCESS)
}

async fn export_assets(
    app: Administration,
    org: &str,
    format: &str,
    output: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    use custos_app::Export;
    use custos_app::assets::RegisterFormat;
    use custos_app::domain::assets::AssetFilterParams;
    use custos_app::domain::assets::import::REGISTER_COLUMNS;
    use custos_app::domain::list::ListParams;
    use std::io::Write;
    let format = export_format(format, output)?;
    let ctx = app.command_line_context(org).await.map_err(explain)?;
    let request = AssetFilterParams::default()
        .request(&ListParams::default())
        .map_err(|e| explain(e.into()))?;
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut written = 0usize;
    match format {
        RegisterFormat::Csv => {
            let mut export = app.export_asset_register(&ctx, request).map_err(explain)?;
            out.write_all(&custos_formats::csv::header_line(&REGISTER_COLUMNS)?)?;
            loop {
                let rows = export.next_page().await.map_err(explain)?;
                if rows.is_empty() {
                    break;
                }
                written += rows.len();
                out.write_all(&custos_formats::csv::rows_lines(rows)?)?;
            }
        }
        RegisterFormat::Xlsx => {
            let bytes = app
                .asset_register_xlsx(&ctx, request)
                .await
                .map_err(explain)?;
            out.write_all(&bytes)?;
        }
    }
    out.flush()?;
    if let Some(path) = output {
        let rows = if matches!(format, RegisterFormat::Csv) {
            format!("{written} asset(s) ")
        } else {
            String::new()
        };
        eprintln!("Exported {rows}to {}.", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

async fn audit(config: Config, command: AuditCommand) -> anyhow::Result<ExitCode> {
    use custos_app::platform::checkpoints::{
        AuditKey, AuditPublicKey, Checkpointer, read_checkpoints,
    };
    match command {
        AuditCommand::Verify {
            checkpoints,
            public_keys,
        } => {
            let checkpoints = match &checkpoints {
                Some(path) => read_checkpoints(path)?,
                None => Vec::new(),
            };
            let mut keys = Vec::new();
            for raw in &public_keys {
                keys.push(
                    AuditPublicKey::parse(raw)
                        .map_err(|e| anyhow::anyhow!("--public-key {raw:?}: {e}"))?,
                );
            }
            if keys.is_empty() && !checkpoints.is_empty() {
                let path = config.audit_key_file();
                if !path.exists() {
                    bail!(
                        "no key to verify the checkpoints with: {} does not exist; pass --public-key",
                        path.display()
                    );
                }
                keys.push(AuditKey::open(&path)?.public_key().clone());
            }
            let app = open(&config).await?;
            let verification = app
                .verify_audit_trail(&checkpoints, &keys)
                .await
                .map_err(explain)?;
            let organisations = app.list_organisations().await.map_err(explain)?;
            let name_of = |chain: &str| {
                organisations
                    .iter()
                    .find(|o| o.id.to_string() == chain)
                    .map_or_else(|| chain.to_owned(), |o| format!("{} ({chain})", o.slug))
            };
            for report in &verification.chains {
                match &report.broken {
                    None => println!(
                        "ok      chain {} ({} events)",
                        name_of(&report.chain),
                        report.events
                    ),
                    Some(link) => println!(
                        "BROKEN  chain {} at event {}: {}",
                        name_of(&link.chain),
                        link.seq,
                        link.reason
                    ),
                }
            }
            for problem in &verification.checkpoint_problems {
                println!(
                    "BROKEN  chain {} at event {}: {}",
                    name_of(&problem.chain),
                    problem.seq,
                    problem.reason
                );
            }
            if !verification.holds() {
                eprintln!("The audit trail has been altered: see the broken links above.");
                return Ok(ExitCode::FAILURE);
            }
            println!("All {} audit chain(s) verify.", verification.chains.len());
            if !checkpoints.is_empty() {
                println!(
                    "The database holds all {} checkpoint(s).",
                    verification.checkpoints_checked
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Checkpoint { stdout } => {
            let key = config.open_or_create_audit_key()?;
            let sink = config.checkpoint_sink(stdout);
            let app = open(&config).await?;
            let mut checkpointer = Checkpointer::new(key, sink.clone());
            let run = checkpointer.run(&app, now()).await?;
            // Standard output carries the checkpoints when asked; the summary goes aside.
            for broken in &run.broken {
                eprintln!(
                    "NOT SIGNED  chain {} at event {}: {}",
                    broken.chain, broken.seq, broken.reason
                );
            }
            eprintln!(
                "{} checkpoint(s) written{}.",
                run.written.len(),
                sink.file
                    .as_deref()
                    .map_or_else(String::new, |path| format!(" to {}", path.display()))
            );
            if run.broken.is_empty() {
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("Chains that do not verify are never signed: run custos audit verify.");
                Ok(ExitCode::FAILURE)
            }
        }
        AuditCommand::PublicKey => {
            let key = config.open_or_create_audit_key()?;
            eprintln!(
                "Key id {}; verify checkpoints with:",
                key.public_key().key_id()
            );
            println!("{}", key.public_key().to_hex());
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn user(app: Administration, command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Create(args) => {
            let (password, generated) = if args.password_stdin {
                (read_password_stdin()?, false)
            } else {
                (
                    custos_app::platform::generate_password().map_err(explain)?,
                    true,
                )
            };
            let role = match (&args.role, args.admin) {
                (Some(raw), _) => {
                    Role::parse(raw).with_context(|| format!("unknown role {raw:?}"))?
                }
                (None, true) => Role::Admin,
                (None, false) => Role::Staff,
            };
            let user = app
                .create_user(&args.email, &args.name, &password, args.admin, now())
                .await
                .map_err(explain)?;
            if let Some(slug) = &args.org {
                let org_name = args.org_name.clone().unwrap_or_else(|| slug.clone());
                app.ensure_organisation(slug, &org_name, now())
                    .await
                    .map_err(explain)?;
                app.grant_role(slug, &user.email, role, now())
                    .await
                    .map_err(explain)?;
                println!(
                    "Created {} <{}>, {} of {slug}.",
                    user.name,
                    user.email,
                    role.label()
                );
            } else {
                println!("Created {} <{}>.", user.name, user.email);
            }
            if generated {
                println!("Password (shown once): {password}");
            }
        }
        UserCommand::List => {
            for user in app.list_users().await.map_err(explain)? {
                let state = if user.disabled { "disabled" } else { "active" };
                let admin = if user.instance_admin {
                    "\tinstance admin"
                } else {
                    ""
                };
                println!("{}\t{}\t{state}{admin}", user.email, user.name);
            }
        }
        UserCommand::Disable { email } => {
            app.set_user_disabled(&email, true, now())
                .await
                .map_err(explain)?;
            println!(
                "{email} is disabled, logged out everywhere, and their API tokens are revoked."
            );
        }
        UserCommand::Enable { email } => {
            app.set_user_disabled(&email, false, now())
                .await
                .map_err(explain)?;
            println!("{email} is enabled.");
        }
        UserCommand::ResetPassword {
            email,
            password_stdin,
        } => {
            let password = if password_stdin {
                read_password_stdin()?
            } else {
                custos_app::platform::generate_password().map_err(explain)?
            };
            app.reset_password(&email, &password, now())
                .await
                .map_err(explain)?;
            println!(
                "Password of {email} reset; their sessions have ended and they must choose their own at the next log-in."
            );
            if !password_stdin {
                println!("New password (shown once): {password}");
            }
        }
        UserCommand::Grant { email, org, role } => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role:?}"))?;
            app.grant_role(&org, &email, role, now())
                .await
                .map_err(explain)?;
            println!("{email} is now {} in {org}.", role.label());
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;
    use crate::config::Config;

    /// Every flag of every command says what it is for, and each flag that sets a
    /// configuration value shows the `CUSTOS_*` variable that sets it too.
    #[test]
    fn every_flag_is_described_and_shows_its_environment_variable() {
        let command = Cli::command();
        command.clone().debug_assert();
        let settings = serde_json::to_value(Config::default()).expect("settings");
        let settings = settings.as_object().expect("a table of settings");
        let mut checked = 0;
        let mut commands = vec![(String::from("custos"), command)];
        while let Some((path, command)) = commands.pop() {
            for arg in command.get_arguments() {
                let Some(long) = arg.get_long() else {
                    continue;
                };
                if matches!(long, "help" | "version") {
                    continue;
                }
                assert!(
                    arg.get_help().is_some(),
                    "{path} --{long} has no description"
                );
                let variable = format!("CUSTOS_{}", long.replace('-', "_").to_uppercase());
                let env = arg.get_env().and_then(|e| e.to_str());
                if settings.contains_key(&long.replace('-', "_")) || env.is_some() {
                    assert_eq!(env, Some(variable.as_str()), "{path} --{long}");
                }
                checked += 1;
            }
            for sub in command.get_subcommands() {
                commands.push((format!("{path} {}", sub.get_name()), sub.clone()));
            }
        }
        assert!(checked >= 20, "only {checked} flags");
    }
}
