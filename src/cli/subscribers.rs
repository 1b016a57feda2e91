//! `lefi-intake subscribers`: the registry of LEFI Prenumeration's
//! subscribers — imported from a spreadsheet's CSV, listed, shown, exported.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::app::App;
use crate::domain::{Code, OrgNumber, Subscriber};
use crate::store::Change;
use crate::store::listing;
use crate::trust::registry::import;
use anyhow::{Context as _, Result, bail};

use super::output::{self, Format};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Add or update subscribers from a CSV file (columns org_number, name,
    /// domains, kind, status, and optionally other_names). A bad row refuses
    /// the whole file.
    Import {
        /// The CSV file (UTF-8, `,` or `;` between fields).
        file: PathBuf,
        /// Print what would change and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Who imports (for the audit log).
        #[arg(long = "as", value_name = "NAME", default_value = "import")]
        by: String,
    },
    /// Every subscriber.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One subscriber, with its history.
    Show {
        /// The organisation number (NNNNNN-NNNN).
        org_number: String,
    },
    /// Every subscriber, in the columns `import` reads (CSV by default).
    Export {
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
    },
}

pub async fn run(app: &App, command: Command) -> Result<ExitCode> {
    match command {
        Command::Import { file, dry_run, by } => import_file(app, &file, dry_run, &by).await,
        Command::List { format } | Command::Export { format } => {
            let rows = app.store.subscribers().await.context("reading the registry")?;
            output::print(format, &listing::subscribers(&rows), &rows)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { org_number } => show(app, &org_number).await,
    }
}

async fn import_file(app: &App, file: &std::path::Path, dry_run: bool, by: &str) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let subscribers = match import::parse(&bytes) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}; nothing was imported", file.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let changes = app.store.import_changes(&subscribers).await.context("comparing with the registry")?;
    let (mut added, mut changed, mut unchanged) = (0, 0, 0);
    for change in &changes {
        match change {
            Change::Added(s) => {
                added += 1;
                println!("add     {}", line(s));
            }
            Change::Changed { before, after } => {
                changed += 1;
                println!("change  {}", line(after));
                println!("   was  {}", line(before));
            }
            Change::Unchanged(_) => unchanged += 1,
        }
    }
    if dry_run {
        println!("dry run: {added} to add, {changed} to change, {unchanged} unchanged; nothing written");
        return Ok(ExitCode::SUCCESS);
    }
    app.store.apply_import(&changes, by, chrono::Utc::now()).await.context("writing the registry")?;
    println!("imported: {added} added, {changed} changed, {unchanged} unchanged");
    Ok(ExitCode::SUCCESS)
}

async fn show(app: &App, org_number: &str) -> Result<ExitCode> {
    let org = match OrgNumber::parse(org_number) {
        Ok(n) => n,
        Err(e) => bail!("{org_number:?}: {e}"),
    };
    let Some(s) = app.store.subscriber(org).await.context("reading the registry")? else {
        eprintln!("{org} is not in the registry");
        return Ok(ExitCode::FAILURE);
    };
    println!("organisation number  {}", s.org_number);
    println!("name                 {}", s.name);
    println!("other names          {}", s.other_names.join(" | "));
    println!("domains              {}", s.domains.join(" "));
    println!("kind                 {}", s.kind.as_str());
    println!("status               {}", listing::subscriber_status(&s));
    let history = app.store.subscriber_history(org).await.context("reading the audit log")?;
    if !history.is_empty() {
        println!("\nhistory");
        for e in history {
            println!(
                "  {}  {:<22} {:<12} {}",
                crate::store::timestamp(e.at),
                e.action,
                e.actor,
                e.details.unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn line(s: &Subscriber) -> String {
    format!(
        "{}  {}  domains={}  kind={}  status={}",
        s.org_number,
        s.name,
        s.domains.join(" "),
        s.kind.as_str(),
        listing::subscriber_status(s)
    )
}
